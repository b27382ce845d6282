// Secrets never leave the operator through its logs, its Events or task status. An operator
// process at --log-level trace goes through create, update and delete, push-status callbacks,
// rejected credentials (1001) and their fix, and a retried vendor failure; then every line it
// wrote (stdout and stderr), every Event in the namespace and every task's status are scanned
// for each secret value.
//
// What counts as secret: the restfulSecret (good and wrong ones), the `token` header value
// (base64 of restfulId:restfulSecret), the callback token, and the auth_key of the CDN addresses.
// The restfulId is a certificate ID rather than a key, but it is half of the token and the logger
// redacts it by name, so it is held to the same rule here.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLBACK_TOKEN, OperatorFixture } from '../harness/operator.js';
import { OperatorProcess, killAllOperatorProcesses, printOperatorLogsOnFailure, listenFlags, type ListenPorts } from '../harness/operator-process.js';
import { freePort } from '../harness/process.js';

const unique = (label: string): string => `${label}-${randomBytes(6).toString('hex')}`;
const good = { appid: '1470236061', restfulId: unique('rid'), restfulSecret: unique('rsecret') };
const wrong = { restfulId: unique('wrongrid'), restfulSecret: unique('wrongsecret') };
const authKeys = [unique('authkey'), unique('authkey'), unique('authkey')];
const WRONG_SECRET = 'wrong-credentials';

const basicToken = (c: { restfulId: string; restfulSecret: string }): string => Buffer.from(`${c.restfulId}:${c.restfulSecret}`, 'utf8').toString('base64');

/** Each secret with a name for the failure message. */
const secrets: ReadonlyArray<readonly [what: string, value: string]> = [
  ['restfulSecret', good.restfulSecret],
  ['restfulId', good.restfulId],
  ['token header value', basicToken(good)],
  ['wrong restfulSecret', wrong.restfulSecret],
  ['wrong restfulId', wrong.restfulId],
  ['wrong token header value', basicToken(wrong)],
  ['callback token', CALLBACK_TOKEN],
  ...authKeys.map((k, i) => [`auth_key #${i}`, k] as const),
];

function leaks(texts: readonly string[]): string[] {
  const found: string[] = [];
  for (const [what, value] of secrets) {
    const hit = texts.find((t) => t.includes(value));
    if (hit !== undefined) found.push(`${what} in: ${hit.slice(0, 400)}`);
  }
  return found;
}

describe('secrets in logs, Events and status', () => {
  printOperatorLogsOnFailure();
  let env: OperatorFixture;
  let op: OperatorProcess;

  beforeAll(async () => {
    env = await OperatorFixture.create({ prefix: 'platform-secrets', deferStart: true, accounts: [good] });
    await env.core.createNamespacedSecret({ namespace: env.namespace, body: { metadata: { name: WRONG_SECRET }, stringData: wrong } });
    const ports: ListenPorts = { callback: env.callbackPort, health: await freePort(), metrics: await freePort() };
    op = OperatorProcess.start({
      name: 'secrets',
      args: [
        ...env.processArgs(good.appid),
        '--log-level=trace',
        ...listenFlags(ports),
      ],
      // As the chart passes it: from a Secret, through the environment.
      env: { RTMP_OPERATOR_CALLBACK_TOKEN: CALLBACK_TOKEN },
    });
  });

  afterAll(async () => {
    await killAllOperatorProcesses();
    await env.close();
  });

  it('writes none of them anywhere through a whole lifecycle with failures', async () => {
    const url = (stream: string, key: string): string => `rtmp://push.example.com/live/${stream}?auth_key=${key}`;
    // Create with two keyed addresses → Ready through the callbacks (which carry the callback token).
    await env.create(env.task('keyed', { taskid: 'keyed', rtmpurls: [url('a', authKeys[0] ?? ''), url('b', authKeys[1] ?? '')] }));
    await env.waitForCondition('keyed', 'Ready', 'True');
    // A retried vendor failure on the update.
    await env.emulator.control.addFault({ endpoint: 'startrtmp', code: 2104, count: 1 });
    await env.patchSpec('keyed', { rtmpurls: [url('c', authKeys[2] ?? '')] });
    await env.waitForCondition('keyed', 'Ready', 'True');
    expect((await env.get('keyed'))?.metadata.generation).toBe(2);

    // Credentials the vendor rejects (1001), then fixed in the Secret.
    await env.create(env.task('rejected', { taskid: 'rejected', credentialsSecretRef: { name: WRONG_SECRET } }));
    await env.waitForCondition('rejected', 'Synced', 'False', 'CredentialsRejected');
    expect((await env.vendorCalls()).some((c) => c.code === 1001)).toBe(true);
    await env.core.replaceNamespacedSecret({
      name: WRONG_SECRET,
      namespace: env.namespace,
      body: { metadata: { name: WRONG_SECRET }, stringData: { restfulId: good.restfulId, restfulSecret: good.restfulSecret } },
    });
    await env.waitForCondition('rejected', 'Ready', 'True');

    // Delete both: stoprtmp, finalizers removed.
    await env.delete('keyed');
    await env.delete('rejected');
    await env.waitFor('keyed', (t) => t === undefined, 20_000, 'deletion');
    await env.waitFor('rejected', (t) => t === undefined, 20_000, 'deletion');
    const exit = await op.terminate();
    expect(exit.code).toBe(0);

    // The run did log at trace level, about the things that carry secrets.
    const records = op.records();
    expect(records.some((r) => r.level === 'trace' || r.level === 'debug')).toBe(true);
    expect(records.some((r) => r.msg === 'vendor call failed' && r.vendorCode === 1001)).toBe(true);
    expect(records.some((r) => r.msg === 'startrtmp accepted')).toBe(true);
    // The addresses were logged, with their keys replaced (so the scan below is not vacuous).
    expect(op.lines.some((l) => l.includes('auth_key='))).toBe(true);
    expect(leaks([url('a', authKeys[0] ?? ''), `token: Basic ${basicToken(wrong)}`])).toHaveLength(2);
    expect(leaks(op.lines)).toEqual([]);

    const events = await env.core.listNamespacedEvent({ namespace: env.namespace });
    const reasons = new Set(events.items.map((e) => e.reason));
    // The Events that describe vendor calls and their failures were written, and are clean.
    for (const reason of ['Started', 'Updated', 'SyncFailed', 'Stopped']) expect(reasons).toContain(reason);
    expect(events.items.some((e) => e.reason === 'SyncFailed' && e.message?.includes('code 1001'))).toBe(true);
    expect(leaks(events.items.map((e) => JSON.stringify(e)))).toEqual([]);
  });

  it('keeps them out of task status (redacted addresses) while the task lives', async () => {
    const op2 = OperatorProcess.start({
      name: 'secrets-status',
      args: [
        ...env.processArgs(good.appid),
        '--log-level=trace',
        ...listenFlags({ callback: env.callbackPort, health: await freePort(), metrics: await freePort() }),
      ],
      env: { RTMP_OPERATOR_CALLBACK_TOKEN: CALLBACK_TOKEN },
    });
    await env.create(env.task('status', { taskid: 'status', rtmpurls: [`rtmp://push.example.com/live/s?auth_key=${authKeys[0] ?? ''}`] }));
    const ready = await env.waitForCondition('status', 'Ready', 'True');
    expect(ready?.status?.destinations?.[0]?.url).toMatch(/^rtmp:\/\/push\.example\.com\/live\/s\?auth_key=/);
    expect(leaks([JSON.stringify(ready?.status)])).toEqual([]);
    await op2.terminate();
    expect(leaks(op2.lines)).toEqual([]);
  });
});
