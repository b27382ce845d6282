// The emulator's vendor routes over real HTTP: the page's rules and codes, and what calls do to tasks.
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { badStartRequestCases, brokenRequest, vendorSampleStartRequest, vendorSampleStopRequest } from '../../test/fixtures/vendor-rules.js';
import { basicToken } from '../jocloud/auth.js';
import { JocloudClient } from '../jocloud/client.js';
import { VendorError } from '../jocloud/errors.js';
import { parseVendorJson, stringifyVendorJson } from '../jocloud/json.js';
import type { StartRtmpRequest } from '../jocloud/wire.js';
import type { Account } from './accounts.js';
import { startEmulator, type RunningEmulator } from './server.js';

const account: Account = { appid: '1470236061', restfulId: 'test-id', restfulSecret: 'test-secret' };
const bigAccount: Account = { appid: '18446744073709551615', restfulId: 'big-id', restfulSecret: 'big-secret' };
const creds = { restfulId: account.restfulId, restfulSecret: account.restfulSecret };

let emu: RunningEmulator;
let client: JocloudClient;

beforeAll(async () => {
  emu = await startEmulator({ accounts: [account, bigAccount] });
  client = new JocloudClient({ endpoint: emu.url, timeouts: { requestMs: 5_000 } });
});
afterEach(async () => {
  await emu.control.reset();
});
afterAll(async () => {
  await client.close();
  await emu.close();
});

interface RawOptions {
  readonly token?: string | null;
  readonly pathAppid?: string;
  readonly prefix?: string;
  readonly contentType?: string;
  readonly traceId?: string | null;
}

/** A call the typed client could never make (broken bodies, odd headers). */
async function raw(endpoint: 'startrtmp' | 'stoprtmp', body: unknown, opts: RawOptions = {}): Promise<{ status: number; json: { code: number; message: string; traceId: string } }> {
  const traceId = opts.traceId === undefined ? `raw-${Math.random().toString(36).slice(2)}` : opts.traceId;
  const query = traceId === null ? '' : `?traceId=${traceId}`;
  const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'application/json;charset=UTF-8' };
  const token = opts.token === undefined ? basicToken(creds) : opts.token;
  if (token !== null) headers['token'] = token;
  const res = await request(`${emu.url}/app/${opts.pathAppid ?? account.appid}/${opts.prefix ?? 'v2/rtmpforward'}/${endpoint}${query}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : stringifyVendorJson(body),
  });
  return { status: res.statusCode, json: (await res.body.json()) as { code: number; message: string; traceId: string } };
}

async function vendorFailure(p: Promise<unknown>): Promise<VendorError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof VendorError) return err;
    throw err;
  }
  throw new Error('expected a VendorError');
}

describe('the vendor samples', () => {
  it('answers 0 to the startrtmp sample, echoing the traceId', async () => {
    const result = await client.startRtmp(vendorSampleStartRequest, creds);
    expect(result.code).toBe(0);
    expect(result.message).toBe('success');
    expect(result.responseTraceId).toBe(result.traceId);
  });

  it('answers 0 to the stoprtmp sample once the task runs, then 2102 "task not found" (the client: already stopped)', async () => {
    await client.startRtmp(vendorSampleStartRequest, creds);
    expect(await client.stopRtmp(vendorSampleStopRequest, creds)).toMatchObject({ code: 0, alreadyStopped: false });
    expect(await client.stopRtmp(vendorSampleStopRequest, creds)).toMatchObject({ code: 2102, alreadyStopped: true, message: 'task not found' });
  });

  it('answers 2102 to stoprtmp for a task never started', async () => {
    expect((await raw('stoprtmp', vendorSampleStopRequest)).json).toMatchObject({ code: 2102, message: 'task not found' });
  });

  it('accepts the v1/recordoss prefix of the page table', async () => {
    expect((await raw('startrtmp', vendorSampleStartRequest, { prefix: 'v1/recordoss' })).json.code).toBe(0);
  });

  it('answers HTTP 404 to another prefix (a misconfigured operator sees HttpStatus, a configuration error)', async () => {
    const c = new JocloudClient({ endpoint: emu.url, pathPrefix: 'v9/nothing' });
    try {
      expect(await vendorFailure(c.startRtmp(vendorSampleStartRequest, creds))).toMatchObject({
        code: 'HttpStatus',
        httpStatus: 404,
        classification: 'configuration',
        outcome: 'refused',
      });
    } finally {
      await c.close();
    }
  });
});

describe('2101 for every rule of the page', () => {
  it.each(badStartRequestCases.map((c) => [c.reason, c] as const))('%s', async (_reason, c) => {
    const { status, json } = await raw('startrtmp', brokenRequest(c));
    expect(status).toBe(200);
    expect(json.code).toBe(2101);
    expect(json.message).toContain(`invalid parameter: ${c.path}: `);
  });

  it.each([
    ['stop of a mixed push without taskid', { appid: 1470236061n, roomid: '123', streamtype: 1 }, 'taskid'],
    ['stop of a source push without uid', { appid: 1470236061n, roomid: '123', streamtype: 2 }, 'uid'],
    ['stop with streamtype 3', { appid: 1470236061n, roomid: '123', streamtype: 3, taskid: 't' }, 'streamtype'],
    ['stop with an unknown field', { ...vendorSampleStopRequest, rtmpurl: 'rtmp://a/b/c' }, 'rtmpurl'],
  ])('%s', async (_reason, body, path) => {
    const { json } = await raw('stoprtmp', body);
    expect(json.code).toBe(2101);
    expect(json.message).toContain(`invalid parameter: ${path}: `);
  });

  it.each([
    ['a body that is not JSON', '{"appid":1470236061,', {}, 'not valid JSON'],
    ['a Content-Type other than JSON', vendorSampleStartRequest, { contentType: 'text/plain' }, 'Content-Type'],
    ['no traceId', vendorSampleStartRequest, { traceId: null }, 'traceId'],
  ])('%s', async (_reason, body, opts: RawOptions, fragment) => {
    const { json } = await raw('startrtmp', body, opts);
    expect(json.code).toBe(2101);
    expect(json.message).toContain(fragment);
  });

  it('does not start anything for a rejected request', async () => {
    await raw('startrtmp', brokenRequest(badStartRequestCases[0]!));
    expect(await emu.control.tasks()).toEqual([]);
  });
});

describe('token and appid', () => {
  it.each([
    ['no token header', { token: null }, 1000],
    ['a token that is not Basic', { token: 'Bearer abc' }, 1001],
    ['Basic but not id:secret', { token: `Basic ${Buffer.from('no-colon').toString('base64')}` }, 1001],
    ['wrong secret', { token: basicToken({ restfulId: 'test-id', restfulSecret: 'wrong' }) }, 1001],
    ['unknown appid in the path', { pathAppid: '42' }, 1002],
    ["another account's appid", { pathAppid: bigAccount.appid }, 1002],
  ])('%s → %i', async (_reason, opts: RawOptions, code) => {
    expect((await raw('startrtmp', vendorSampleStartRequest, opts)).json.code).toBe(code);
  });

  it('answers 1002 when the body appid differs from the path appid', async () => {
    const { json } = await raw('startrtmp', { ...vendorSampleStartRequest, appid: 18446744073709551615n });
    expect(json.code).toBe(1002);
    expect(json.message).toContain('18446744073709551615');
  });

  it.each([
    ['wrong secret', { restfulId: 'test-id', restfulSecret: 'x' }, 'InvalidToken'],
    ['unknown id', { restfulId: 'who', restfulSecret: 'test-secret' }, 'InvalidToken'],
  ])('the client classifies %s as credentials', async (_reason, badCreds, code) => {
    expect(await vendorFailure(client.startRtmp(vendorSampleStartRequest, badCreds))).toMatchObject({ code, classification: 'credentials' });
  });

  it('the client classifies an appid its credentials do not hold as NoAppid', async () => {
    const err = await vendorFailure(client.startRtmp({ ...vendorSampleStartRequest, appid: 42n }, creds));
    expect(err).toMatchObject({ code: 'NoAppid', vendorCode: 1002, classification: 'credentials' });
  });

  it('serves a uint64-max appid exactly', async () => {
    const big = { restfulId: bigAccount.restfulId, restfulSecret: bigAccount.restfulSecret };
    await client.startRtmp({ ...vendorSampleStartRequest, appid: 18446744073709551615n }, big);
    const [task] = await emu.control.tasks();
    expect(task?.appid).toBe('18446744073709551615');
    const [call] = await emu.control.calls();
    expect(call?.appid).toBe('18446744073709551615');
    expect((call?.body as { appid: unknown }).appid).toBe('18446744073709551615');
  });
});

describe('tasks', () => {
  const a = 'rtmp://cdn-a.example.com/live/s1?auth_key=1-0-0-aaa';
  const b = 'rtmp://cdn-b.example.com/live/s2';
  const c = 'rtmp://cdn-c.example.com/live/s3';
  const mixed = (rtmpurl: string): StartRtmpRequest => ({ ...vendorSampleStartRequest, rtmpurl });
  const source = (rtmpurl: string): StartRtmpRequest => ({ appid: 1470236061n, roomid: '123', rtmpurl, streamtype: 2, uid: '111' });

  it('updates a mixed task in place on the same taskid (full mode)', async () => {
    await client.startRtmp(mixed(`${a},${b}`), creds);
    await client.startRtmp(mixed(`${b},${c}`), creds);
    const tasks = await emu.control.tasks();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ kind: 'mixed', taskid: 'biz007', updateCount: 1 });
    expect(tasks[0]!.addresses.map((x) => x.url)).toEqual([b, c]);
  });

  it('keeps two taskids as two tasks', async () => {
    await client.startRtmp(mixed(a), creds);
    await client.startRtmp({ ...mixed(b), taskid: 'biz008' }, creds);
    expect((await emu.control.tasks()).map((t) => t.taskid).sort()).toEqual(['biz007', 'biz008']);
  });

  it('updates a source push by uid and stops it by uid', async () => {
    await client.startRtmp(source(a), creds);
    await client.startRtmp(source(b), creds);
    const [task] = await emu.control.tasks();
    expect(task).toMatchObject({ kind: 'source', uid: '111', taskid: null, callbackTaskid: '', updateCount: 1 });
    expect(task!.addresses.map((x) => x.url)).toEqual([b]);
    await client.stopRtmp({ appid: 1470236061n, roomid: '123', streamtype: 2, uid: '111' }, creds);
    expect(await emu.control.tasks()).toEqual([]);
  });

  it('stops with the identity of the task only', async () => {
    await client.startRtmp(mixed(a), creds);
    expect(await client.stopRtmp({ ...vendorSampleStopRequest, roomid: 'other' }, creds)).toMatchObject({ code: 2102, alreadyStopped: true });
    expect(await emu.control.tasks()).toHaveLength(1);
  });
});

describe('the call log', () => {
  it('records each call with its parsed body and answer, and only a fingerprint of the token', async () => {
    const sent = await client.startRtmp(vendorSampleStartRequest, creds);
    await client.stopRtmp({ ...vendorSampleStopRequest, taskid: 'nope' }, creds);
    const calls = await emu.control.calls();
    expect(calls.map((c) => [c.endpoint, c.code])).toEqual([
      ['startrtmp', 0],
      ['stoprtmp', 2102],
    ]);
    const first = calls[0]!;
    expect(first).toMatchObject({ traceId: sent.traceId, appid: '1470236061', pathPrefix: 'v2/rtmpforward', httpStatus: 200, outcome: 'answered', appliedCode: 0, fault: null, instance: null });
    expect(first.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(Date.parse(first.doneAt)).toBeGreaterThanOrEqual(Date.parse(first.at));
    expect(first.body).toEqual(JSON.parse(stringifyVendorJson({ ...vendorSampleStartRequest, appid: '1470236061' })));
    expect(first.tokenSha256).toBe(createHash('sha256').update(basicToken(creds)).digest('hex').slice(0, 16));
    const everything = JSON.stringify(calls);
    expect(everything).not.toContain(basicToken(creds).slice(6));
    expect(everything).not.toContain(creds.restfulSecret);
    expect((await emu.control.calls('stoprtmp')).map((c) => c.seq)).toEqual([calls[1]!.seq]);
  });

  it('keeps the raw text of a body that is not JSON', async () => {
    await raw('startrtmp', 'not json');
    const [call] = await emu.control.calls();
    expect(call).toMatchObject({ body: null, rawBody: 'not json', code: 2101 });
  });

  it('counts calls per endpoint, and those answered with code 0', async () => {
    await client.startRtmp(vendorSampleStartRequest, creds);
    await raw('startrtmp', 'not json');
    await client.stopRtmp({ ...vendorSampleStopRequest, taskid: 'nope' }, creds);
    expect(await emu.control.callCounts()).toEqual({ startrtmp: { calls: 2, accepted: 1 }, stoprtmp: { calls: 1, accepted: 0 } });
  });

  it('is cleared by DELETE /_emulator/calls', async () => {
    await client.startRtmp(vendorSampleStartRequest, creds);
    await emu.control.clearCalls();
    expect(await emu.control.calls()).toEqual([]);
    expect(await emu.control.callCounts()).toEqual({ startrtmp: { calls: 0, accepted: 0 }, stoprtmp: { calls: 0, accepted: 0 } });
    expect(await emu.control.tasks()).toHaveLength(1);
  });
});

describe('JSON numbers on the wire', () => {
  it('answers with code as a JSON number', async () => {
    const res = await request(`${emu.url}/app/1470236061/v2/rtmpforward/stoprtmp?traceId=t-1`, {
      method: 'POST',
      headers: { token: basicToken(creds), 'content-type': 'application/json;charset=UTF-8' },
      body: stringifyVendorJson(vendorSampleStopRequest),
    });
    const text = await res.body.text();
    expect(text).toBe('{"code":2102,"message":"task not found","traceId":"t-1"}');
    expect(parseVendorJson(text)).toEqual({ code: 2102, message: 'task not found', traceId: 't-1' });
  });
});
