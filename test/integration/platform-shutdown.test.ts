// Graceful shutdown of an operator process: SIGTERM while a vendor call is in flight lets that
// reconcile finish (the call completes and its status is written) before the process exits 0,
// within --shutdown-timeout; a call that outlasts the deadline is abandoned and the process still
// exits promptly, and the next operator repeats the call (startrtmp is idempotent per taskid).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLBACK_TOKEN, condition, OperatorFixture, type TaskObject } from '../harness/operator.js';
import { START_INTENT_ANNOTATION } from '../../src/api/v1alpha1/constants.js';
import { OperatorProcess, killAllOperatorProcesses, printOperatorLogsOnFailure, listenFlags, listenPorts } from '../harness/operator-process.js';

const VENDOR_LATENCY_MS = 2_000;

describe('graceful shutdown of an operator process', () => {
  printOperatorLogsOnFailure();
  let env: OperatorFixture;

  beforeAll(async () => {
    env = await OperatorFixture.create({ prefix: 'platform-shutdown', deferStart: true });
  });

  afterAll(async () => {
    await killAllOperatorProcesses();
    await env.close();
  });

  async function startOperator(name: string, shutdownTimeout: string): Promise<OperatorProcess> {
    return OperatorProcess.start({
      name,
      args: [
        ...env.processArgs(),
        '--log-level=debug',
        `--shutdown-timeout=${shutdownTimeout}`,
        ...listenFlags(await listenPorts()),
      ],
      env: { RTMP_OPERATOR_CALLBACK_TOKEN: CALLBACK_TOKEN },
    });
  }

  const synced = (generation: number) => (t: TaskObject | undefined) =>
    t?.status?.observedGeneration === generation && condition(t, 'Synced')?.status === 'True';

  /**
   * The update's start is under way: the reconciler records its start intent (a new one, for
   * generation 2's request) on the task right before it calls startrtmp.
   */
  const updateStarting = async (name: string): Promise<void> => {
    const before = (await env.get(name))?.metadata.annotations?.[START_INTENT_ANNOTATION];
    await env.waitFor(name, (t) => t?.metadata.generation === 2 && (t.metadata.annotations?.[START_INTENT_ANNOTATION] ?? before) !== before, 20_000, 'the update start intent');
  };

  it('finishes the in-flight vendor call and writes its status before exiting 0', async () => {
    const op = await startOperator('shutdown-graceful', '10s');
    await env.create(env.task('graceful', { taskid: 'graceful' }));
    await env.waitFor('graceful', synced(1), 20_000, 'generation 1 Synced');

    await env.emulator.control.addFault({ endpoint: 'startrtmp', latencyMs: VENDOR_LATENCY_MS, count: 1 });
    const starting = updateStarting('graceful');
    await env.patchSpec('graceful', { rtmpurls: ['rtmp://push.example.com/live/graceful-2'] });
    await starting;
    const signalledAt = Date.now();
    op.signal('SIGTERM');
    const exit = await op.exited;

    expect(exit).toMatchObject({ code: 0, signal: null });
    // It waited for the slow call rather than dropping it...
    expect(exit.at - signalledAt).toBeGreaterThan(VENDOR_LATENCY_MS / 2);
    expect(exit.at - signalledAt).toBeLessThan(10_000);
    // ...which the vendor answered, and whose outcome is in status: nothing left to redo.
    const starts = await env.vendorCalls('startrtmp');
    expect(starts.map((c) => c.code)).toEqual([0, 0]);
    const task = await env.get('graceful');
    expect(synced(2)(task)).toBe(true);
    expect(task?.status?.lastTraceId).toBe(starts[1]?.traceId);
    expect(op.records().some((r) => r.msg === 'startrtmp accepted' && r.name === 'graceful' && r.why === 'Update')).toBe(true);
    expect(op.records().some((r) => r.msg === 'shutdown deadline passed: aborting in-flight handlers')).toBe(false);
    expect(op.records().at(-1)).toMatchObject({ msg: 'stopped', exitCode: 0 });
  });

  it('abandons a call that outlasts --shutdown-timeout, exits 0 promptly, and the next operator repeats it', async () => {
    const op = await startOperator('shutdown-deadline', '500ms');
    await env.create(env.task('deadline', { taskid: 'deadline' }));
    await env.waitFor('deadline', synced(1), 20_000, 'generation 1 Synced');
    const startsBefore = (await env.vendorCalls('startrtmp')).length;

    await env.emulator.control.addFault({ endpoint: 'startrtmp', latencyMs: 4_000, count: 1 });
    const starting = updateStarting('deadline');
    await env.patchSpec('deadline', { rtmpurls: ['rtmp://push.example.com/live/deadline-2'] });
    await starting;
    const signalledAt = Date.now();
    op.signal('SIGTERM');
    const exit = await op.exited;

    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(3_000);
    expect(op.records().some((r) => r.msg === 'shutdown deadline passed: aborting in-flight handlers')).toBe(true);
    // The abandoned update is not recorded as done.
    expect((await env.get('deadline'))?.status?.observedGeneration).toBe(1);

    const successor = await startOperator('shutdown-successor', '10s');
    await env.waitFor('deadline', synced(2), 20_000, 'generation 2 Synced by the next operator');
    expect(await successor.terminate()).toMatchObject({ code: 0 });
    // The successor repeated the update once; its answer is what status records. (The abandoned
    // call reaches the emulator's log only when its latency has passed, so it is not counted.)
    const repeats = (await env.vendorCalls('startrtmp')).slice(startsBefore).filter((c) => c.traceId?.endsWith(`-${String(successor.pid)}`));
    expect(repeats.map((c) => c.code)).toEqual([0]);
    expect((await env.get('deadline'))?.status?.lastTraceId).toBe(repeats[0]?.traceId);
  });
});
