// What `kubectl describe` and `kubectl explain` show a user, on the real control plane: an Event
// when a spec is refused (SpecRefused) and on Streaming transitions (StreamingStarted,
// StreamingProblem); repeated failures folded into one Event object with a count (their messages
// carry nothing per attempt); and a description on every status field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rtmpPushTaskStatusSchema } from '../../src/api/v1alpha1/status.js';
import { OperatorFixture } from '../harness/operator.js';
import { eventually, until } from '../support/eventually.js';

describe('Events and kubectl explain', () => {
  let op: OperatorFixture;
  beforeAll(async () => {
    op = await OperatorFixture.create({ prefix: 'events' });
  });
  afterAll(async () => {
    await op.close();
  });

  /** Events are written in the background; a stopping operator writes those it has before it exits. */
  async function eventsFlushed(): Promise<void> {
    expect(await op.stop()).toBe(0);
    op.start();
  }

  it('a refused spec: one SpecRefused Warning naming the problem, not repeated while nothing changes', async () => {
    const manifest = op.task('refused', { streamtype: 2, rtmpurls: ['rtmp://push.example.com/live/refused'] });
    delete manifest.spec['mixconfig'];
    await op.create(manifest);
    await op.waitForCondition('refused', 'Synced', 'False', 'InvalidSpec');
    const [refused, ...more] = await op.waitForEvent('refused', 'SpecRefused');
    expect(more).toEqual([]);
    expect(refused).toMatchObject({ type: 'Warning', count: 1 });
    expect(refused?.message).toContain('spec.uid: is required for source stream pushing');

    // A metadata edit makes the operator look again; the same verdict records no second Event.
    const marks = op.decisions('refused').length;
    await op.patchMetadata('refused', { labels: { touched: 'yes' } });
    await until(() => op.decisions('refused').length > marks, 'another reconcile');
    await eventsFlushed();
    expect((await op.events('refused')).filter((e) => e.reason === 'SpecRefused').map((e) => e.count)).toEqual([1]);
  });

  it('Streaming transitions: StreamingStarted, StreamingProblem when an address is interrupted, StreamingStarted again', async () => {
    const url = 'rtmp://push.example.com/live/flaky?auth_key=secret-flaky';
    await op.create(op.task('flaky', { taskid: 'ev-flaky', rtmpurls: [url] }));
    await op.waitForCondition('flaky', 'Ready', 'True');
    const started = await op.waitForEvent('flaky', 'StreamingStarted');
    expect(started.map((e) => [e.type, e.count])).toEqual([['Normal', 1]]);

    await op.emulator.control.setDestination({ url, status: 3002, errcode: 1003, description: 'rejected by the CDN' });
    await op.waitForCondition('flaky', 'Streaming', 'False', 'Interrupted');
    const [problem] = await op.waitForEvent('flaky', 'StreamingProblem');
    expect(problem?.type).toBe('Warning');
    expect(problem?.message).toMatch(/^Interrupted: .*errcode 1003/);
    expect(problem?.message).not.toContain('secret-flaky');

    await op.emulator.control.setDestination({ url, status: 3000 });
    await op.waitForCondition('flaky', 'Streaming', 'True');
    // The same transition with the same message: the one Event counts it again.
    await until(async () => (await op.events('flaky')).some((e) => e.reason === 'StreamingStarted' && e.count === 2), 'StreamingStarted counted twice');
    expect((await op.events('flaky')).filter((e) => (e.reason ?? '').startsWith('Streaming')).map((e) => `${e.reason} ${e.count}`).sort()).toEqual(['StreamingProblem 1', 'StreamingStarted 2']);
  });

  it('repeated failures of a call aggregate into one SyncFailed Event with a count', async () => {
    await op.emulator.control.addFault({ endpoint: 'startrtmp', code: 2104, count: 3, match: { taskid: 'ev-busy' } });
    await op.create(op.task('busy', { taskid: 'ev-busy' }));
    await op.waitForCondition('busy', 'Synced', 'True', 'Synced', 30_000);
    await eventsFlushed();
    const failed = (await op.events('busy')).filter((e) => e.reason === 'SyncFailed');
    expect(failed.map((e) => [e.type, e.count])).toEqual([['Warning', 3]]);
    expect(failed[0]?.message).toMatch(/code 2104.*retrying with backoff$/);
    const calls = (await op.vendorCalls('startrtmp')).filter((c) => (c.body as { taskid?: string } | null)?.taskid === 'ev-busy');
    // Each attempt had its own traceId; the Event message names none of them.
    expect(new Set(calls.map((c) => c.traceId)).size).toBe(4);
    for (const c of calls) expect(failed[0]?.message).not.toContain(c.traceId ?? '-');
  });

  it('kubectl explain describes every status field', async () => {
    for (const field of ['status', 'status.active', 'status.active.credentialsSecretRef', 'status.conditions', 'status.destinations', 'status.lastResponse']) {
      // The API server publishes a new CRD's schema a few seconds after it is Established.
      const out = await eventually(`kubectl explain ${field}`, async () => {
        const r = await op.kubectl(['explain', `rtmppushtasks.${field}`]);
        return r.code === 0 ? r : undefined;
      });
      const fields = explainedFields(out.stdout);
      expect(fields.length, `${field}: ${out.stdout}`).toBeGreaterThan(0);
      if (field === 'status') expect(fields.map((f) => f.name).sort()).toEqual(Object.keys(rtmpPushTaskStatusSchema.shape).sort());
      for (const f of fields) expect(f.description, `${field}.${f.name} has no description`).not.toBe('');
    }
  });
});

/** The FIELDS of `kubectl explain` output: each field's name and the text below it. */
function explainedFields(stdout: string): Array<{ name: string; description: string }> {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('FIELDS:'));
  const out: Array<{ name: string; description: string }> = [];
  for (const line of lines.slice(start + 1)) {
    const header = /^ {2,3}(\S+)\s+<[^>]*>/.exec(line);
    if (header?.[1] !== undefined) out.push({ name: header[1], description: '' });
    else if (line.trim() !== '' && out.length > 0) {
      const last = out[out.length - 1];
      if (last !== undefined) last.description = `${last.description} ${line.trim()}`.trim();
    }
  }
  return out;
}
