// Issue 8, leak path 5: an HTTP 4xx without the vendor's own code (a wrong --jocloud-path-prefix,
// a proxy answering 401/403/404) says nothing about the request, only about the operator's
// configuration. It is shown as Synced False VendorEndpointRejected, never recorded as a rejected
// request (only the vendor's 2101 is), and retried: slowly (credentialsRetryMs), at once when the
// credentials Secret changes, and by a restarted operator.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { Account } from '../../src/emulator/accounts.js';
import { tokenFingerprint } from '../../src/emulator/call-log.js';
import { basicToken } from '../../src/jocloud/auth.js';
import { condition, CREDENTIALS_SECRET, OperatorFixture, type OperatorFixtureOptions, type TaskObject } from '../harness/operator.js';

const account: Account = { appid: '1470236061', restfulId: 'gw-a', restfulSecret: 'gw-secret-a' };
const rotated: Account = { appid: account.appid, restfulId: 'gw-b', restfulSecret: 'gw-secret-b' };

function rejected(t: TaskObject | undefined): boolean {
  const c = condition(t, 'Synced');
  return c?.status === 'False' && c.reason === 'VendorEndpointRejected' && c.observedGeneration === t?.metadata.generation;
}

describe('a gateway or proxy refuses the vendor calls (HTTP 4xx, no vendor code)', () => {
  let op: OperatorFixture | undefined;
  afterEach(async () => {
    await op?.close();
    op = undefined;
  });

  async function fixture(opts: OperatorFixtureOptions = {}): Promise<OperatorFixture> {
    op = await OperatorFixture.create({ prefix: 'gw', accounts: [account, rotated], ...opts });
    return op;
  }

  it('403: VendorEndpointRejected, not recorded as an invalid request, retried at the slow pace until it passes', async () => {
    const f = await fixture({ settings: { reconcilerTimings: { credentialsRetryMs: 2_000 } } });
    await f.emulator.control.addFault({ endpoint: 'startrtmp', httpStatus: 403 });
    await f.create(f.task('gw', { taskid: 'gw-1' }));
    const refused = await f.waitFor('gw', rejected, 20_000, 'Synced False VendorEndpointRejected');
    expect(condition(refused, 'Synced')?.message).toMatch(/refused before it reached the vendor API: check --jocloud-endpoint, --jocloud-path-prefix/);
    expect(refused?.status?.['rejectedRequestHash']).toBeUndefined();

    // A fixed slow pace (2 s here): neither a hot loop nor the 1 s, 2 s, 4 s backoff of transient errors.
    const calls = await f.waitForVendorCalls((all) => all.length >= 3, 20_000, 'three refused starts');
    const at = calls.map((c) => Date.parse(c.at));
    for (let i = 1; i < at.length; i++) expect((at[i] ?? 0) - (at[i - 1] ?? 0)).toBeGreaterThanOrEqual(1_900);
    expect(calls.every((c) => c.httpStatus === 403 && c.code === null)).toBe(true);

    await f.emulator.control.clearFaults();
    await f.waitForCondition('gw', 'Synced', 'True', 'Synced');
    expect((await f.emulator.control.tasks()).map((t) => t.taskid)).toEqual(['gw-1']);
  });

  it('404: retried at once when the credentials Secret changes, and by a restarted operator', async () => {
    // The slow retry (5 min by default) cannot explain any call below.
    const f = await fixture();
    await f.emulator.control.addFault({ endpoint: 'startrtmp', httpStatus: 404 });
    await f.create(f.task('gw', { taskid: 'gw-2' }));
    await f.waitFor('gw', rejected, 20_000, 'Synced False VendorEndpointRejected');
    expect(await f.vendorCalls()).toHaveLength(1);

    await f.core.patchNamespacedSecret(
      { namespace: f.namespace, name: CREDENTIALS_SECRET, body: { stringData: { restfulId: rotated.restfulId, restfulSecret: rotated.restfulSecret } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const afterSecret = await f.waitForVendorCalls((all) => all.length === 2, 10_000, 'a start after the Secret changed');
    expect(afterSecret[1]?.tokenSha256).toBe(tokenFingerprint(basicToken(rotated)));

    expect(await f.stop()).toBe(0);
    await f.emulator.control.clearFaults();
    f.start();
    await f.waitForCondition('gw', 'Synced', 'True', 'Synced', 10_000);
    expect((await f.vendorCalls()).map((c) => c.httpStatus)).toEqual([404, 404, 200]);
  });

  it('a wrong --jocloud-path-prefix: VendorEndpointRejected without reaching the vendor API; a restart with the right one starts the push', async () => {
    const f = await fixture({ deferStart: true });
    f.start({ pathPrefix: 'v9/wrong' });
    await f.create(f.task('gw', { taskid: 'gw-3' }));
    const refused = await f.waitFor('gw', rejected, 20_000, 'Synced False VendorEndpointRejected');
    expect(condition(refused, 'Synced')?.message).toContain('HTTP 404');
    expect(await f.vendorCalls()).toEqual([]);

    expect(await f.stop()).toBe(0);
    f.start();
    await f.waitForCondition('gw', 'Synced', 'True', 'Synced', 10_000);
    expect((await f.vendorCalls()).map((c) => `${c.endpoint} ${c.code ?? ''}`)).toEqual(['startrtmp 0']);
  });
});
