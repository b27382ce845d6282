// When the in-use finalizer comes off a credentials Secret: only once no task that may still push
// with it is left. Checks run one at a time in the order queued, so a Secret whose finalizer must
// stay is checked before one whose finalizer must go: the second patch proves the first check ran.
import type { V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { FINALIZER, SECRET_IN_USE_FINALIZER } from '../api/v1alpha1/constants.js';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import { SecretFinalizers } from './secret-protection.js';
import { KubeHttpError } from '../runtime/kube-client.js';
import { silent } from './testing/fake-tasks.test-support.js';

const NS = 'tenant';

function secret(name: string): V1Secret {
  return { metadata: { namespace: NS, name, resourceVersion: '7', finalizers: [SECRET_IN_USE_FINALIZER] } };
}

function task(name: string, meta: Partial<UnvalidatedRtmpPushTask['metadata']>): UnvalidatedRtmpPushTask {
  return { apiVersion: 'rtmp.jocloud.com/v1alpha1', kind: 'RtmpPushTask', metadata: { namespace: NS, name, ...meta }, spec: {} };
}

describe('SecretFinalizers release check', () => {
  /** Checks `kept` and then the control Secret `released`; resolves with the Secrets whose finalizers were patched. */
  async function check(users: UnvalidatedRtmpPushTask | undefined, cached: (name: string) => boolean = () => true): Promise<string[]> {
    const patched: string[] = [];
    let done: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (done = resolve));
    const secrets = new Map([
      ['kept', secret('kept')],
      ['control', secret('control')],
    ]);
    const finalizers = new SecretFinalizers({
      api: {
        patchNamespacedSecret: (req: { name: string; body: { metadata?: { finalizers?: string[] } } }) => {
          patched.push(`${req.name} ${JSON.stringify(req.body.metadata?.finalizers)}`);
          if (req.name === 'control') done();
          return Promise.resolve({});
        },
        readNamespacedSecret: (req: { name: string }) => Promise.resolve(secrets.get(req.name)),
      } as never,
      getSecret: (_ns, name) => (cached(name) ? secrets.get(name) : undefined),
      getTask: (_ns, name) => (users !== undefined && name === users.metadata.name ? users : undefined),
      usersOf: (key) => (key === `${NS}/kept` && users !== undefined ? [`${NS}/${users.metadata.name ?? ''}`] : []),
      logger: silent,
    });
    const stop = new AbortController();
    const running = finalizers.run(stop.signal);
    try {
      finalizers.check(`${NS}/kept`);
      finalizers.check(`${NS}/control`);
      await released;
      return patched;
    } finally {
      stop.abort();
      await running;
    }
  }

  it('keeps it for a live task whose own finalizer the cache does not show yet (a start in progress)', async () => {
    expect(await check(task('starting', {}))).toEqual(['control []']);
  });

  it('keeps it for a task being deleted that still holds the operator finalizer', async () => {
    expect(await check(task('stopping', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: [FINALIZER] }))).toEqual(['control []']);
  });

  it('lets go once the only user is being deleted without the operator finalizer, or is gone', async () => {
    expect(await check(task('let-go', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['example.com/other'] }))).toEqual(['kept []', 'control []']);
    expect(await check(undefined)).toEqual(['kept []', 'control []']);
  });

  it('reads the Secret from the API server when the cache dropped it (its last user\'s deletion ended its watch)', async () => {
    expect(await check(undefined, () => false)).toEqual(['kept []', 'control []']);
  });
});

describe('SecretFinalizers.ensure', () => {
  /** ensure() against an API server whose first patch conflicts; `live` is the Secret as read after it. */
  async function ensureAfterConflict(live: V1Secret): Promise<string[]> {
    const calls: string[] = [];
    const finalizers = new SecretFinalizers({
      api: {
        patchNamespacedSecret: (req: { body: { metadata?: { resourceVersion?: string } } }) => {
          calls.push(`patch at ${req.body.metadata?.resourceVersion ?? '?'}`);
          return calls.length === 1 ? Promise.reject(new KubeHttpError(409, 'conflict')) : Promise.resolve({});
        },
        readNamespacedSecret: () => {
          calls.push('read');
          return Promise.resolve(live);
        },
      },
      getSecret: () => ({ metadata: { namespace: NS, name: 'creds', resourceVersion: '7' } }),
      getTask: () => undefined,
      usersOf: () => [],
      logger: silent,
    });
    await finalizers.ensure({ namespace: NS, name: 'creds' }, NS, new AbortController().signal);
    return calls;
  }

  it('a conflict because another start added the finalizer meanwhile is no error', async () => {
    expect(await ensureAfterConflict(secret('creds'))).toEqual(['patch at 7', 'read']);
  });

  it('a conflict for another reason: adds the finalizer to the Secret as it is now', async () => {
    expect(await ensureAfterConflict({ metadata: { namespace: NS, name: 'creds', resourceVersion: '8' } })).toEqual(['patch at 7', 'read', 'patch at 8']);
  });
});
