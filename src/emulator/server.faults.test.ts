// Fault injection through the control API, observed through the vendor client.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { vendorSampleStartRequest, vendorSampleStopRequest } from '../../test/fixtures/vendor-rules.js';
import { JocloudClient } from '../jocloud/client.js';
import { VendorError } from '../jocloud/errors.js';
import { devAccount } from './accounts.js';
import { EmulatorControlError } from './control-client.js';
import { startEmulator, type RunningEmulator } from './server.js';
import { eventually } from '../../test/support/eventually.js';

const creds = { restfulId: devAccount.restfulId, restfulSecret: devAccount.restfulSecret };

// Fault rates roll these dice in order, so `rate` is tested deterministically.
let dice: number[] = [];
let emu: RunningEmulator;
let client: JocloudClient;

beforeAll(async () => {
  emu = await startEmulator({ random: () => dice.shift() ?? 0 });
  client = new JocloudClient({ endpoint: emu.url, timeouts: { requestMs: 2_000 } });
});
afterEach(async () => {
  dice = [];
  await emu.control.reset();
});
afterAll(async () => {
  await client.close();
  await emu.close();
});

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof VendorError) return err.vendorCode !== undefined ? String(err.vendorCode) : err.code;
    throw err;
  }
}


const start = (): Promise<string> => outcome(client.startRtmp(vendorSampleStartRequest, creds));
const stop = (): Promise<string> => outcome(client.stopRtmp(vendorSampleStopRequest, creds));

describe('faults', () => {
  it('answers an injected vendor code without touching the tasks', async () => {
    const fault = await emu.control.addFault({ code: 2104 });
    expect(await start()).toBe('2104');
    expect(await emu.control.tasks()).toEqual([]);
    const [call] = await emu.control.calls();
    expect(call).toMatchObject({ code: 2104, fault: fault.id, outcome: 'answered' });
  });

  it('only hits its endpoint', async () => {
    await emu.control.addFault({ endpoint: 'stoprtmp', code: 2103 });
    expect([await start(), await stop(), await start()]).toEqual(['ok', '2103', 'ok']);
  });

  it('is used up after count hits', async () => {
    await emu.control.addFault({ code: 2104, count: 2 });
    expect([await start(), await start(), await start()]).toEqual(['2104', '2104', 'ok']);
    expect((await emu.control.faults())[0]).toMatchObject({ hits: 2, remaining: 0 });
  });

  it('hits at its rate', async () => {
    await emu.control.addFault({ code: 2102, rate: 0.5 });
    dice = [0.1, 0.7, 0.49, 0.5];
    expect([await start(), await start(), await start(), await start()]).toEqual(['2102', 'ok', '2102', 'ok']);
  });

  it('answers an injected HTTP status', async () => {
    await emu.control.addFault({ httpStatus: 503, count: 1 });
    await expect(client.startRtmp(vendorSampleStartRequest, creds)).rejects.toMatchObject({ code: 'HttpStatus', httpStatus: 503, classification: 'retryable' });
    expect(await start()).toBe('ok');
  });

  it('delays by latencyMs and then processes the call normally', async () => {
    await emu.control.addFault({ latencyMs: 300 });
    const t0 = Date.now();
    expect(await start()).toBe('ok');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(await emu.control.tasks()).toHaveLength(1);
  });

  it('latency beyond the client deadline is DeadlineExceeded', async () => {
    await emu.control.addFault({ latencyMs: 1_000 });
    expect(await outcome(client.startRtmp(vendorSampleStartRequest, creds, { timeoutMs: 150 }))).toBe('DeadlineExceeded');
    // The emulator still processes the late call (like a vendor would); let it land before reset.
    for (let i = 0; i < 100 && (await emu.control.calls()).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await emu.control.calls())[0]).toMatchObject({ code: 0 });
  });

  it('hangs: the client gives up at its deadline and the call is logged as hung', async () => {
    await emu.control.addFault({ hang: true, count: 1 });
    const t0 = Date.now();
    expect(await outcome(client.startRtmp(vendorSampleStartRequest, creds, { timeoutMs: 200 }))).toBe('DeadlineExceeded');
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect((await emu.control.calls())[0]).toMatchObject({ outcome: 'hang', code: null });
    expect(await start()).toBe('ok');
  });

  it('resets the connection: Network, retryable', async () => {
    await emu.control.addFault({ reset: true, count: 1 });
    await expect(client.startRtmp(vendorSampleStartRequest, creds)).rejects.toMatchObject({ code: 'Network', classification: 'retryable' });
    expect((await emu.control.calls())[0]).toMatchObject({ outcome: 'reset' });
    expect(await start()).toBe('ok');
  });

  it('without carryOut, a reset carries nothing out', async () => {
    await emu.control.addFault({ reset: true, count: 1 });
    await expect(client.startRtmp(vendorSampleStartRequest, creds)).rejects.toMatchObject({ outcome: 'unknown' });
    expect(await emu.control.tasks()).toEqual([]);
    expect((await emu.control.calls())[0]).toMatchObject({ outcome: 'reset', appliedCode: null });
  });

  it('an HTTP status without a code answers like a gateway: no vendor code in the body', async () => {
    await emu.control.addFault({ httpStatus: 403, count: 1 });
    await expect(client.startRtmp(vendorSampleStartRequest, creds)).rejects.toMatchObject({ code: 'HttpStatus', httpStatus: 403, classification: 'configuration', outcome: 'refused' });
    expect((await emu.control.calls())[0]).toMatchObject({ code: null, httpStatus: 403, appliedCode: null });
  });
});

describe('lost and late answers (carryOut)', () => {
  it('carries a start out, then drops the connection: the client cannot know, the push runs', async () => {
    const fault = await emu.control.addFault({ endpoint: 'startrtmp', carryOut: true, reset: true, count: 1 });
    await expect(client.startRtmp(vendorSampleStartRequest, creds)).rejects.toMatchObject({ code: 'Network', classification: 'retryable', outcome: 'unknown' });
    expect(await emu.control.tasks()).toHaveLength(1);
    expect((await emu.control.calls())[0]).toMatchObject({ outcome: 'reset', code: null, appliedCode: 0, fault: fault.id });
  });

  it('carries a stop out, then drops the connection: the push is gone and the retried stop is already stopped', async () => {
    expect(await start()).toBe('ok');
    await emu.control.addFault({ endpoint: 'stoprtmp', carryOut: true, reset: true, count: 1 });
    expect(await stop()).toBe('Network');
    expect(await emu.control.tasks()).toEqual([]);
    expect(await client.stopRtmp(vendorSampleStopRequest, creds)).toMatchObject({ alreadyStopped: true });
  });

  it('carries a start out at once and answers after the client deadline: the push runs before the client gives up', async () => {
    await emu.control.addFault({ endpoint: 'startrtmp', carryOut: true, latencyMs: 800, count: 1 });
    await expect(client.startRtmp(vendorSampleStartRequest, creds, { timeoutMs: 150 })).rejects.toMatchObject({ code: 'DeadlineExceeded', outcome: 'unknown' });
    expect(await emu.control.tasks()).toHaveLength(1);
    const late = await eventually('the emulator to record it', async () => (await emu.control.calls()).find((c) => c.outcome !== 'answered'));
    expect(late).toMatchObject({ outcome: 'abandoned', code: 0, appliedCode: 0 });
    expect(Date.parse(late.doneAt) - Date.parse(late.at)).toBeGreaterThanOrEqual(780);
  });

  it('a late answer the client waits for is the real one', async () => {
    await emu.control.addFault({ carryOut: true, latencyMs: 100, count: 1 });
    expect(await start()).toBe('ok');
    expect((await emu.control.calls())[0]).toMatchObject({ outcome: 'answered', code: 0, appliedCode: 0 });
  });

  it('carries a call out and answers a failure code anyway (2104 though it worked)', async () => {
    await emu.control.addFault({ carryOut: true, code: 2104, count: 1 });
    expect(await start()).toBe('2104');
    expect(await emu.control.tasks()).toHaveLength(1);
    expect((await emu.control.calls())[0]).toMatchObject({ code: 2104, appliedCode: 0 });
  });

  it('carries a call out and never answers (hang)', async () => {
    await emu.control.addFault({ carryOut: true, hang: true, count: 1 });
    expect(await outcome(client.startRtmp(vendorSampleStartRequest, creds, { timeoutMs: 150 }))).toBe('DeadlineExceeded');
    expect(await emu.control.tasks()).toHaveLength(1);
    expect((await emu.control.calls())[0]).toMatchObject({ outcome: 'hang', appliedCode: 0 });
  });

  it('as a probability per endpoint: only the stops it rolls for lose their answer', async () => {
    await emu.control.addFault({ endpoint: 'stoprtmp', carryOut: true, reset: true, rate: 0.2 });
    dice = [0.5, 0.1];
    expect([await start(), await stop(), await start(), await stop()]).toEqual(['ok', 'ok', 'ok', 'Network']);
    expect((await emu.control.calls()).map((c) => [c.endpoint, c.outcome, c.appliedCode])).toEqual([
      ['startrtmp', 'answered', 0],
      ['stoprtmp', 'answered', 0],
      ['startrtmp', 'answered', 0],
      ['stoprtmp', 'reset', 0],
    ]);
  });

  it('one-shot, for one task: only the call naming it is hit', async () => {
    const other = { ...vendorSampleStartRequest, taskid: 'other-task' };
    await emu.control.addFault({ carryOut: true, reset: true, count: 1, match: { taskid: vendorSampleStartRequest.taskid } });
    expect(await outcome(client.startRtmp(other, creds))).toBe('ok');
    expect(await start()).toBe('Network');
    expect(await start()).toBe('ok');
    expect((await emu.control.tasks()).map((t) => t.taskid).sort()).toEqual([vendorSampleStartRequest.taskid, 'other-task'].sort());
  });

  it('records which instance made each call, and can be limited to it', async () => {
    const old = new JocloudClient({ endpoint: emu.url, instance: 'pod-a_1' });
    try {
      await emu.control.addFault({ code: 2104, match: { instance: 'pod-a_1' } });
      expect(await outcome(old.startRtmp(vendorSampleStartRequest, creds))).toBe('2104');
      expect(await start()).toBe('ok');
      expect((await emu.control.calls()).map((c) => [c.instance, c.code])).toEqual([
        ['pod-a_1', 2104],
        [null, 0],
      ]);
    } finally {
      await old.close();
    }
  });
});

describe('fault bookkeeping', () => {
  it('are all removed by DELETE /_emulator/faults', async () => {
    await emu.control.addFault({ code: 2104 });
    await emu.control.addFault({ reset: true });
    await emu.control.clearFaults();
    expect(await start()).toBe('ok');
    expect(await emu.control.faults()).toEqual([]);
  });

  it.each([
    ['no effect', { endpoint: 'startrtmp' as const }],
    ['a rate above 1', { code: 2104, rate: 2 }],
    ['hang and reset together', { hang: true, reset: true }],
  ])('rejects a fault with %s (HTTP 400)', async (_reason, spec) => {
    const err = await emu.control.addFault(spec).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmulatorControlError);
    expect((err as EmulatorControlError).status).toBe(400);
  });
});

describe('control API', () => {
  it('answers healthz', async () => {
    expect(await emu.control.healthz()).toBe(true);
  });

  it('answers 404 with the list of routes for an unknown one', async () => {
    const res = await fetch(`${emu.url}/_emulator/nope`);
    expect(res.status).toBe(404);
    expect(JSON.stringify(await res.json())).toContain('/_emulator/tasks');
  });

  it('reset forgets tasks, calls and faults', async () => {
    await start();
    await emu.control.addFault({ code: 2104 });
    await emu.control.reset();
    expect(await emu.control.tasks()).toEqual([]);
    expect(await emu.control.calls()).toEqual([]);
    expect(await emu.control.faults()).toEqual([]);
  });
});
