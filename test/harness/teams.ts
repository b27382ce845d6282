// An operator watching every namespace, as a shared cluster runs it, with teams: namespaces of
// their own. The shared control plane keeps the tasks earlier test files left behind, and an
// operator watching everything sees those too; so the default credentials serve only namespaces
// labelled with this fixture's run id (the tenancy selector a cluster admin would set), and the
// tests use taskids and rooms no other file uses.
import { randomBytes } from 'node:crypto';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { parseLabelSelector } from '../../src/controller/label-selector.js';
import { createNamespace } from './kube.js';
import { OperatorFixture, type OperatorFixtureOptions } from './operator.js';
import type { TaskClient } from './task-client.js';

export const TENANT_LABEL = 'rtmp-push-operator.test/tenant';

export interface Teams {
  readonly op: OperatorFixture;
  /** This fixture's value of TENANT_LABEL: namespaces carrying it may use the default credentials. */
  readonly runId: string;
  /** A new namespace of its own; permitted to use the default credentials unless told otherwise. */
  team(prefix: string, opts?: { permitted?: boolean }): Promise<TaskClient>;
  /** Labels `namespace` so its tasks may use the default credentials from now on. */
  permit(namespace: string): Promise<void>;
  close(): Promise<void>;
}

export async function clusterWideOperator(prefix: string, opts: Pick<OperatorFixtureOptions, 'deferStart' | 'callbacks'> = {}): Promise<Teams> {
  const runId = randomBytes(4).toString('hex');
  const op = await OperatorFixture.create({
    prefix,
    ...opts,
    settings: { namespace: undefined, tenancy: { defaultCredentialsNamespaces: parseLabelSelector(`${TENANT_LABEL}=${runId}`) } },
  });
  const permit = async (namespace: string): Promise<void> => {
    await op.core.patchNamespace(
      { name: namespace, body: { metadata: { labels: { [TENANT_LABEL]: runId } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  };
  return {
    op,
    runId,
    permit,
    team: async (teamPrefix, teamOpts = {}) => {
      // Labelled from the start: a label added later could reach the operator after the tasks.
      const namespace = await createNamespace(op.kubeConfig, teamPrefix, teamOpts.permitted === false ? {} : { [TENANT_LABEL]: runId });
      return op.in(namespace);
    },
    close: () => op.close(),
  };
}

/** A name no other test file uses, for taskids, uids and rooms the shared control plane may hold already. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}
