// Which tasks use which credentials Secret, kept from the task informer's events, so that a Secret
// event re-queues exactly its users instead of scanning every task. A task uses the Secret its spec
// names (or the default) and the ones recorded with pushes that may still be running (a stop needs
// the credentials that started the push, even after the spec moved to another Secret).
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import { secretKey, secretRefFor, type SecretRef } from './credentials.js';
import { lenientSpec, lenientStatus, unsettledIntent } from './read-task.js';

export class SecretUsers {
  private readonly byTask = new Map<string, readonly string[]>();
  private readonly bySecret = new Map<string, Set<string>>();

  constructor(private readonly defaultRef: SecretRef | undefined) {}

  /** The Secrets (namespace/name) a task uses. */
  refsOf(task: UnvalidatedRtmpPushTask): string[] {
    const namespace = task.metadata.namespace ?? '';
    const refs = new Set<string>();
    const own = secretRefFor(namespace, lenientSpec(task.spec).credentialsSecretName, this.defaultRef);
    if (own !== undefined) refs.add(secretKey(own));
    const status = lenientStatus(task.status);
    for (const push of [status.active, unsettledIntent(task, status)]) {
      if (push?.credentialsSecretRef !== undefined) refs.add(secretKey(push.credentialsSecretRef));
    }
    return [...refs];
  }

  readonly upsert = (task: UnvalidatedRtmpPushTask): void => {
    const key = `${task.metadata.namespace ?? ''}/${task.metadata.name ?? ''}`;
    this.drop(key);
    const refs = this.refsOf(task);
    this.byTask.set(key, refs);
    for (const r of refs) {
      let users = this.bySecret.get(r);
      if (users === undefined) this.bySecret.set(r, (users = new Set()));
      users.add(key);
    }
  };

  readonly delete = (task: UnvalidatedRtmpPushTask): void => {
    this.drop(`${task.metadata.namespace ?? ''}/${task.metadata.name ?? ''}`);
  };

  /** Task keys using the Secret `namespace/name`. */
  usersOf(secret: string): string[] {
    return [...(this.bySecret.get(secret) ?? [])];
  }

  /** Every Secret some task uses. */
  secrets(): SecretRef[] {
    return [...this.bySecret.keys()].map((k) => {
      const slash = k.indexOf('/');
      return { namespace: k.slice(0, slash), name: k.slice(slash + 1) };
    });
  }

  private drop(key: string): void {
    for (const r of this.byTask.get(key) ?? []) {
      const users = this.bySecret.get(r);
      users?.delete(key);
      if (users?.size === 0) this.bySecret.delete(r);
    }
    this.byTask.delete(key);
  }
}
