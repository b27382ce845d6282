import { ApiException, type CoreV1Event } from '@kubernetes/client-node';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { EventRecorder, MAX_EVENT_MESSAGE_LENGTH } from './event-recorder.js';
import { PriorityGate } from './priority-gate.js';

interface Call {
  op: 'create' | 'patch';
  namespace: string;
  name: string;
  body: Record<string, unknown>;
}

/** Records calls; `failCreate` / `patchGone` script failures. */
class FakeEventsApi {
  readonly calls: Call[] = [];
  failCreate = false;
  patchGone = false;

  createNamespacedEvent(param: { namespace: string; body: CoreV1Event }): Promise<CoreV1Event> {
    this.calls.push({ op: 'create', namespace: param.namespace, name: param.body.metadata.name ?? '', body: { ...param.body } });
    if (this.failCreate) return Promise.reject(new ApiException(403, 'forbidden', { message: 'events is forbidden' }, {}));
    return Promise.resolve(param.body);
  }

  patchNamespacedEvent(param: { name: string; namespace: string; body: Record<string, unknown> }): Promise<CoreV1Event> {
    this.calls.push({ op: 'patch', namespace: param.namespace, name: param.name, body: param.body });
    if (this.patchGone) return Promise.reject(new ApiException(404, 'not found', { message: 'not found' }, {}));
    return Promise.resolve({} as CoreV1Event);
  }
}

const task = {
  apiVersion: 'rtmp.jocloud.com/v1alpha1',
  kind: 'RtmpPushTask',
  metadata: { namespace: 'media', name: 'show', uid: 'uid-1', resourceVersion: '42' },
};

function setup(extra: { windowMs?: number; maxEntries?: number; maxQueued?: number; gate?: PriorityGate; sanitize?: (m: string) => string } = {}) {
  const api = new FakeEventsApi();
  const dropped: string[] = [];
  let now = Date.parse('2026-11-04T10:00:00.500Z');
  const recorder = new EventRecorder({
    api: api,
    component: 'rtmp-push-operator',
    instance: 'operator-0',
    logger: pino({ level: 'silent' }),
    now: () => now,
    ...(extra.windowMs !== undefined ? { aggregateWindowMs: extra.windowMs } : {}),
    ...(extra.maxEntries !== undefined ? { maxEntries: extra.maxEntries } : {}),
    ...(extra.maxQueued !== undefined ? { maxQueued: extra.maxQueued } : {}),
    ...(extra.gate !== undefined ? { gate: extra.gate } : {}),
    ...(extra.sanitize !== undefined ? { sanitize: extra.sanitize } : {}),
    onDropped: (why) => dropped.push(why),
  });
  return { api, recorder, dropped, advance: (ms: number) => (now += ms) };
}

describe('EventRecorder', () => {
  it('creates a core/v1 Event about the object in its namespace', async () => {
    const { api, recorder } = setup();
    await recorder.record(task, 'Warning', 'VendorRejected', 'code 2101: invalid parameter');
    expect(api.calls).toHaveLength(1);
    const call = api.calls[0]!;
    expect(call.op).toBe('create');
    expect(call.namespace).toBe('media');
    expect(call.name).toMatch(/^show\.[0-9a-f]+$/);
    expect(call.body).toMatchObject({
      involvedObject: { apiVersion: 'rtmp.jocloud.com/v1alpha1', kind: 'RtmpPushTask', namespace: 'media', name: 'show', uid: 'uid-1' },
      type: 'Warning',
      reason: 'VendorRejected',
      message: 'code 2101: invalid parameter',
      count: 1,
      source: { component: 'rtmp-push-operator', host: 'operator-0' },
      reportingComponent: 'rtmp-push-operator',
      reportingInstance: 'operator-0',
    });
    expect((call.body.firstTimestamp as Date).toISOString()).toBe('2026-11-04T10:00:00.000Z');
  });

  it('folds repeats within the window into one Event by patching count and lastTimestamp', async () => {
    const { api, recorder, advance } = setup({ windowMs: 60_000 });
    await recorder.record(task, 'Warning', 'StartFailed', 'timeout');
    advance(10_000);
    await recorder.record(task, 'Warning', 'StartFailed', 'timeout');
    advance(10_000);
    await recorder.record(task, 'Warning', 'StartFailed', 'timeout');
    expect(api.calls.map((c) => c.op)).toEqual(['create', 'patch', 'patch']);
    expect(api.calls[1]!.name).toBe(api.calls[0]!.name);
    expect(api.calls[1]!.body).toEqual({ count: 2, lastTimestamp: '2026-11-04T10:00:10Z' });
    expect(api.calls[2]!.body).toEqual({ count: 3, lastTimestamp: '2026-11-04T10:00:20Z' });
  });

  it('serialises concurrent repeats: one create, then patches', async () => {
    const { api, recorder } = setup();
    await Promise.all([1, 2, 3].map(() => recorder.record(task, 'Normal', 'Started', 'pushing')));
    expect(api.calls.map((c) => c.op)).toEqual(['create', 'patch', 'patch']);
  });

  it.each([
    { reason: 'a different message', second: { type: 'Warning' as const, reason: 'StartFailed', message: 'other' } },
    { reason: 'a different reason', second: { type: 'Warning' as const, reason: 'StopFailed', message: 'timeout' } },
    { reason: 'a different type', second: { type: 'Normal' as const, reason: 'StartFailed', message: 'timeout' } },
  ])('creates a separate Event for $reason', async ({ second }) => {
    const { api, recorder } = setup();
    await recorder.record(task, 'Warning', 'StartFailed', 'timeout');
    await recorder.record(task, second.type, second.reason, second.message);
    expect(api.calls.map((c) => c.op)).toEqual(['create', 'create']);
  });

  it('starts a new Event once the window has passed', async () => {
    const { api, recorder, advance } = setup({ windowMs: 60_000 });
    await recorder.record(task, 'Warning', 'StartFailed', 'timeout');
    advance(60_000);
    await recorder.record(task, 'Warning', 'StartFailed', 'timeout');
    expect(api.calls.map((c) => c.op)).toEqual(['create', 'create']);
  });

  it('creates the Event again when the aggregated one has expired on the server', async () => {
    const { api, recorder } = setup();
    await recorder.record(task, 'Warning', 'StartFailed', 'timeout');
    api.patchGone = true;
    await recorder.record(task, 'Warning', 'StartFailed', 'timeout');
    expect(api.calls.map((c) => c.op)).toEqual(['create', 'patch', 'create']);
    expect(api.calls[2]!.body.count).toBe(1);
  });

  it('never rejects when the apiserver refuses, and does not aggregate onto a failed create', async () => {
    const { api, recorder, dropped } = setup();
    api.failCreate = true;
    await expect(recorder.record(task, 'Warning', 'StartFailed', 'timeout')).resolves.toBeUndefined();
    expect(dropped).toEqual(['write_failed']);
    api.failCreate = false;
    await recorder.record(task, 'Warning', 'StartFailed', 'timeout');
    expect(api.calls.map((c) => c.op)).toEqual(['create', 'create']);
    expect(dropped).toEqual(['write_failed']);
  });

  it.each([
    {
      reason: 'the sanitiser output is what gets written',
      sanitize: (m: string) => m.replace(/auth_key=[^&\s]+/g, 'auth_key=REDACTED'),
      message: 'push to rtmp://cdn/live/s?auth_key=secret failed',
      written: 'push to rtmp://cdn/live/s?auth_key=REDACTED failed',
    },
    {
      reason: 'a failing sanitiser withholds the message instead of leaking it',
      sanitize: (): string => {
        throw new Error('bug');
      },
      message: 'rtmp://cdn/live/s?auth_key=secret',
      written: '(message withheld: sanitiser failed)',
    },
  ])('$reason', async ({ sanitize, message, written }) => {
    const { api, recorder } = setup({ sanitize });
    await recorder.record(task, 'Warning', 'StartFailed', message);
    expect(api.calls[0]!.body.message).toBe(written);
  });

  it('truncates long messages', async () => {
    const { api, recorder } = setup();
    await recorder.record(task, 'Normal', 'Long', 'x'.repeat(5_000));
    const message = api.calls[0]!.body.message as string;
    expect(message).toHaveLength(MAX_EVENT_MESSAGE_LENGTH);
    expect(message.endsWith('...')).toBe(true);
  });

  it('puts Events about cluster-scoped objects in the default namespace', async () => {
    const { api, recorder } = setup();
    await recorder.record({ apiVersion: 'v1', kind: 'Node', name: 'node-1' }, 'Normal', 'Seen', 'hello');
    expect(api.calls[0]!.namespace).toBe('default');
  });

  it('forgets the least recently used aggregates beyond maxEntries', async () => {
    const { api, recorder } = setup({ maxEntries: 2 });
    await recorder.record(task, 'Normal', 'A', 'm');
    await recorder.record(task, 'Normal', 'B', 'm');
    await recorder.record(task, 'Normal', 'A', 'm'); // patch; A is now most recent
    await recorder.record(task, 'Normal', 'C', 'm'); // evicts B
    await recorder.record(task, 'Normal', 'A', 'm'); // still aggregated
    await recorder.record(task, 'Normal', 'B', 'm'); // forgotten: created anew
    expect(api.calls.map((c) => `${c.op} ${String((c.body.reason as string | undefined) ?? '')}`)).toEqual([
      'create A',
      'create B',
      'patch ',
      'create C',
      'patch ',
      'create B',
    ]);
  });

  it('writes one request at a time, in the order recorded', async () => {
    const { api, recorder } = setup();
    let open = 0;
    let most = 0;
    const create = api.createNamespacedEvent.bind(api);
    api.createNamespacedEvent = async (param) => {
      open += 1;
      most = Math.max(most, open);
      await new Promise((resolve) => setTimeout(resolve, 2));
      open -= 1;
      return create(param);
    };
    await Promise.all(['A', 'B', 'C', 'D'].map((reason) => recorder.record(task, 'Normal', reason, 'm')));
    expect(most).toBe(1);
    expect(api.calls.map((c) => c.body['reason'])).toEqual(['A', 'B', 'C', 'D']);
  });

  it('drops what exceeds the queue instead of growing without bound', async () => {
    const { api, recorder, dropped } = setup({ maxQueued: 2 });
    // The first is taken off the queue at once; two more fill it; the fourth is dropped.
    await Promise.all(['A', 'B', 'C', 'D'].map((reason) => recorder.record(task, 'Normal', reason, 'm')));
    expect(api.calls.map((c) => c.body['reason'])).toEqual(['A', 'B', 'C']);
    expect(dropped).toEqual(['queue_full']);
  });

  it('gives way while the gate is closed, and stamps the Event with the time it was recorded', async () => {
    let busy = true;
    let clock = Date.parse('2026-11-04T10:00:00.500Z');
    const gate = new PriorityGate({ busy: () => busy, maxWaitMs: 60_000, pollMs: 1, now: () => clock });
    const { api, recorder, advance } = setup({ gate });
    const written = recorder.record(task, 'Normal', 'Started', 'pushing');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(api.calls).toEqual([]);
    advance(30_000);
    clock += 30_000;
    busy = false;
    await written;
    expect(api.calls).toHaveLength(1);
    expect(api.calls[0]!.body['firstTimestamp']).toEqual(new Date('2026-11-04T10:00:00Z'));
  });

  it('flush() waits for records in flight', async () => {
    const { api, recorder } = setup();
    void recorder.record(task, 'Normal', 'A', 'm');
    void recorder.record(task, 'Normal', 'B', 'm');
    await recorder.flush();
    expect(api.calls).toHaveLength(2);
  });
});
