// The event recorder against a real apiserver: Events are accepted as written, repeats fold
// into one Event with a growing count, and `kubectl describe` shows them.
import { CoreV1Api, type CoreV1Event, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/observability/redact.js';
import { EventRecorder } from '../../src/runtime/event-recorder.js';
import { createNamespace, kubeConfigFromInjected, kubectl } from '../harness/kube.js';

describe('EventRecorder on a real apiserver', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let namespace: string;
  let target: V1ConfigMap;
  const logger = pino({ level: process.env.TEST_LOG ?? 'silent' });

  beforeAll(async () => {
    kc = kubeConfigFromInjected();
    core = kc.makeApiClient(CoreV1Api);
    namespace = await createNamespace(kc, 'runtime-events');
    target = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'push-target' }, data: { a: 'b' } } });
    // Items of a typed read come without kind/apiVersion, as the controllers see them.
    target.apiVersion = 'v1';
    target.kind = 'ConfigMap';
  });

  const eventsFor = async (reason: string): Promise<CoreV1Event[]> =>
    (await core.listNamespacedEvent({ namespace })).items.filter((e) => e.reason === reason);

  it('creates an Event that points at the object, and folds repeats into it', async () => {
    const recorder = new EventRecorder({ kubeConfig: kc, component: 'rtmp-push-operator', instance: 'test-0', logger });
    await recorder.record(target, 'Warning', 'VendorUnavailable', 'startrtmp answered 2104 (internal error)');
    let events = await eventsFor('VendorUnavailable');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'Warning',
      message: 'startrtmp answered 2104 (internal error)',
      count: 1,
      involvedObject: { kind: 'ConfigMap', name: 'push-target', namespace, uid: target.metadata!.uid },
      source: { component: 'rtmp-push-operator', host: 'test-0' },
    });

    await recorder.record(target, 'Warning', 'VendorUnavailable', 'startrtmp answered 2104 (internal error)');
    await recorder.record(target, 'Warning', 'VendorUnavailable', 'startrtmp answered 2104 (internal error)');
    events = await eventsFor('VendorUnavailable');
    expect(events).toHaveLength(1);
    expect(events[0]!.count).toBe(3);

    await recorder.record(target, 'Warning', 'VendorUnavailable', 'startrtmp answered 2103 (timeout)');
    expect(await eventsFor('VendorUnavailable')).toHaveLength(2);
  });

  it('writes only the sanitised message, and kubectl describe shows the Event', async () => {
    const recorder = new EventRecorder({
      kubeConfig: kc,
      component: 'rtmp-push-operator',
      logger,
      sanitize: (m) => m.replace(/rtmp:\/\/\S+/g, (url) => redactUrl(url)),
    });
    await recorder.record(target, 'Normal', 'PushStarted', 'pushing to rtmp://cdn.example/live/s?auth_key=1700000000-0-0-abcdef');
    const [event] = await eventsFor('PushStarted');
    expect(event?.message).toBe('pushing to rtmp://cdn.example/live/s?auth_key=REDACTED');
    const described = await kubectl(['describe', 'configmap', 'push-target', '-n', namespace]);
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(/Normal\s+PushStarted/);
    expect(described.stdout).not.toContain('abcdef');
  });

  it('does not throw when the apiserver refuses the Event', async () => {
    const recorder = new EventRecorder({ kubeConfig: kc, component: 'rtmp-push-operator', logger });
    // A namespace that does not exist: the create fails with 404.
    await expect(
      recorder.record({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'no-such-namespace-xyz', name: 'x' }, 'Normal', 'Nowhere', 'lost'),
    ).resolves.toBeUndefined();
  });
});
