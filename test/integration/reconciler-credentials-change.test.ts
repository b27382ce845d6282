// Issue 8, leak path 3: when a task moves to another appid or credentials Secret, the push that
// runs was started with the OLD credentials, and only those can stop it (the emulator, like the
// vendor, checks the token against the appid in the path: another account's token gets 1002). The
// operator records which Secret started each push and stops with it, then starts with the new one;
// the record lives in status, so an operator restarted in between does the same.
import { afterEach, describe, expect, it } from 'vitest';
import type { Account } from '../../src/emulator/accounts.js';
import { tokenFingerprint } from '../../src/emulator/call-log.js';
import type { CallRecord } from '../../src/emulator/control-api.js';
import { basicToken } from '../../src/jocloud/auth.js';
import { condition, OperatorFixture, type TaskObject } from '../harness/operator.js';

const accountA: Account = { appid: '1470236061', restfulId: 'tenant-a', restfulSecret: 'secret-a' };
/** Another appid with its own credentials. */
const accountB: Account = { appid: '2000000001', restfulId: 'tenant-b', restfulSecret: 'secret-b' };
/** The same appid as A with rotated credentials (both pairs valid for it at the vendor). */
const accountA2: Account = { appid: accountA.appid, restfulId: 'tenant-a-rotated', restfulSecret: 'secret-a-rotated' };

/** Which account's token a call carried ('?' for none of these). */
function caller(c: CallRecord): string {
  for (const [name, a] of [['A', accountA], ['B', accountB], ['A2', accountA2]] as const) {
    if (c.tokenSha256 === tokenFingerprint(basicToken(a))) return name;
  }
  return '?';
}

/** "endpoint appid/taskid by-account code" per call. */
const trail = (calls: readonly CallRecord[]): string[] =>
  calls.map((c) => `${c.endpoint} ${c.appid}/${(c.body as { taskid?: string }).taskid ?? ''} by ${caller(c)} ${c.code ?? c.outcome}`);

function syncedAt(t: TaskObject | undefined, generation: number): boolean {
  const c = condition(t, 'Synced');
  return t?.metadata.generation === generation && c?.status === 'True' && c.reason === 'Synced' && c.observedGeneration === generation;
}

describe('a task moves to other credentials', () => {
  let op: OperatorFixture | undefined;
  afterEach(async () => {
    await op?.close();
    op = undefined;
  });

  async function secretFor(f: OperatorFixture, name: string, a: Account): Promise<void> {
    await f.core.createNamespacedSecret({ namespace: f.namespace, body: { metadata: { name }, stringData: { restfulId: a.restfulId, restfulSecret: a.restfulSecret } } });
  }

  it.each([
    {
      change: 'another appid and Secret',
      patch: { appid: accountB.appid, credentialsSecretRef: { name: 'creds-b' } },
      restart: false,
      expected: [`startrtmp ${accountA.appid}/cc-1 by A 0`, `stoprtmp ${accountA.appid}/cc-1 by A 0`, `startrtmp ${accountB.appid}/cc-1 by B 0`],
    },
    {
      change: 'another appid and Secret, while the operator is down',
      patch: { appid: accountB.appid, credentialsSecretRef: { name: 'creds-b' } },
      restart: true,
      expected: [`startrtmp ${accountA.appid}/cc-1 by A 0`, `stoprtmp ${accountA.appid}/cc-1 by A 0`, `startrtmp ${accountB.appid}/cc-1 by B 0`],
    },
    {
      // Both tokens are valid for the appid here: only the call log's token shows which was used.
      change: 'another taskid and a Secret with rotated credentials',
      patch: { taskid: 'cc-2', credentialsSecretRef: { name: 'creds-a2' } },
      restart: false,
      expected: [`startrtmp ${accountA.appid}/cc-1 by A 0`, `stoprtmp ${accountA.appid}/cc-1 by A 0`, `startrtmp ${accountA.appid}/cc-2 by A2 0`],
    },
  ])('$change: the old push is stopped with the old credentials, then the new one starts', async ({ patch, restart, expected }) => {
    const f = (op = await OperatorFixture.create({ prefix: 'creds-move', accounts: [accountA, accountB, accountA2] }));
    await secretFor(f, 'creds-b', accountB);
    await secretFor(f, 'creds-a2', accountA2);
    await f.create(f.task('move', { taskid: 'cc-1' }));
    const started = await f.waitForCondition('move', 'Ready', 'True');
    // Which Secret started the push is recorded with it.
    expect(started?.status?.active).toMatchObject({ taskid: 'cc-1', credentialsSecretRef: { namespace: f.namespace, name: 'jocloud-credentials' } });

    if (restart) expect(await f.stop()).toBe(0);
    await f.patchSpec('move', patch);
    if (restart) f.start();
    const moved = await f.waitFor('move', (t) => syncedAt(t, 2), 20_000, 'generation 2 synced');

    expect(trail(await f.vendorCalls())).toEqual(expected);
    const vendor = await f.emulator.control.tasks();
    expect(vendor.map((t) => `${t.appid}/${t.taskid ?? ''}`)).toEqual([expected[2]?.split(' ')[1]]);
    expect(moved?.status?.active).toMatchObject({ credentialsSecretRef: { name: patch.credentialsSecretRef.name } });
  });
});
