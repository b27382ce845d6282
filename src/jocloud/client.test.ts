import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { basicToken } from './auth.js';
import { JocloudClient, type VendorCallObservation } from './client.js';
import { VendorError } from './errors.js';
import { parseVendorJson } from './json.js';
import { vendorSampleStartRequestText, vendorSampleStopRequestText } from '../../test/fixtures/vendor-rules.js';
import { gatewayStatusVerdicts, vendorCodeVerdicts } from '../../test/fixtures/vendor-verdicts.js';
import { startRtmpRequestSchema, stopRtmpRequestSchema, type StartRtmpRequest, type StopRtmpRequest } from './wire.js';

// The vendor page's samples, verbatim (shared with the wire-schema and emulator tests).
const pageStartSample = vendorSampleStartRequestText;
const pageStopSample = vendorSampleStopRequestText;

/** The page's JSON without its line breaks: the bytes a faithful client sends. */
function minified(text: string): string {
  return text.replace(/\n/g, '');
}

// Parsed as-is (key order kept) and checked against the wire schema, so the test sends exactly the page's object.
const startSample = parseVendorJson(pageStartSample) as StartRtmpRequest;
const stopSample = parseVendorJson(pageStopSample) as StopRtmpRequest;
const creds = { restfulId: 'restful-id-1', restfulSecret: 'restful-secret-1' };

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let baseUrl: string;
let received: Received[] = [];
let handler: Handler;
const clients: JocloudClient[] = [];

function answerJson(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text);
}

function ok(): Handler {
  return (req, res) => answerJson(res, 200, { code: 0, message: 'success', traceId: 'vendor-trace-1' });
}

function client(opts: Partial<ConstructorParameters<typeof JocloudClient>[0]> = {}): JocloudClient {
  const c = new JocloudClient({ endpoint: baseUrl, ...opts });
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<VendorError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(VendorError);
    return err as VendorError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  received = [];
  server.closeAllConnections();
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('the request on the wire', () => {
  it('the page samples are valid wire requests', () => {
    expect(startRtmpRequestSchema.safeParse(startSample).success).toBe(true);
    expect(stopRtmpRequestSchema.safeParse(stopSample).success).toBe(true);
  });

  it('sends the vendor startrtmp sample byte for byte', async () => {
    handler = ok();
    const result = await client({ traceIds: () => 'biz201909121223210013' }).startRtmp(startSample, creds);
    expect(received).toHaveLength(1);
    const r = received[0]!;
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/app/1470236061/v2/rtmpforward/startrtmp?traceId=biz201909121223210013');
    expect(r.headers['token']).toBe(`Basic ${Buffer.from('restful-id-1:restful-secret-1').toString('base64')}`);
    expect(r.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(r.headers['authorization']).toBeUndefined();
    expect(r.body).toBe(minified(pageStartSample));
    expect(r.body).toContain('"appid":1470236061,');
    expect(result).toEqual({ code: 0, message: 'success', traceId: 'biz201909121223210013', responseTraceId: 'vendor-trace-1' });
  });

  it('sends the vendor stoprtmp sample byte for byte', async () => {
    handler = ok();
    await client({ traceIds: () => 'biz201909121223210014' }).stopRtmp(stopSample, creds);
    expect(received[0]!.url).toBe('/app/1470236061/v2/rtmpforward/stoprtmp?traceId=biz201909121223210014');
    expect(received[0]!.body).toBe(minified(pageStopSample));
  });

  it('sends uint64 max as that number, in the path and the body', async () => {
    handler = ok();
    await client().stopRtmp({ ...stopSample, appid: 18446744073709551615n }, creds);
    expect(received[0]!.url).toMatch(/^\/app\/18446744073709551615\/v2\/rtmpforward\/stoprtmp\?traceId=/);
    expect(received[0]!.body).toBe('{"appid":18446744073709551615,"roomid":"123","streamtype":1,"taskid":"biz007"}');
  });

  it('puts a base path and a custom prefix around /app', async () => {
    handler = ok();
    await client({ endpoint: `${baseUrl}/jocloud/`, pathPrefix: 'v1/recordoss', traceIds: () => 't1' }).stopRtmp(stopSample, creds);
    expect(received[0]!.url).toBe('/jocloud/app/1470236061/v1/recordoss/stoprtmp?traceId=t1');
  });

  it('uses a fresh URL-safe traceId for every call', async () => {
    handler = ok();
    const c = client();
    const results = await Promise.all(Array.from({ length: 40 }, () => c.stopRtmp(stopSample, creds)));
    const sent = received.map((r) => new URL(r.url, 'http://x').searchParams.get('traceId'));
    expect(new Set(sent).size).toBe(40);
    for (const r of received) expect(r.url).toMatch(/\?traceId=[A-Za-z0-9-]+$/);
    expect(new Set(results.map((r) => r.traceId))).toEqual(new Set(sent));
  });
});

describe('vendor answers', () => {
  it.each(vendorCodeVerdicts)('startrtmp code %i → %s (%s, outcome %s)', async (code, name, classification, outcome) => {
    handler = (_req, res) => answerJson(res, 200, { code, message: 'nope', traceId: 'v' });
    const err = await failure(client({ traceIds: () => 'sent-trace' }).startRtmp(startSample, creds));
    expect(err).toMatchObject({ code: name, classification, outcome, vendorCode: code, httpStatus: 200, traceId: 'sent-trace', endpoint: 'startrtmp' });
    expect(err.message).toContain(String(code));
  });

  it('stoprtmp answered 2102 (no such running push) resolves as already stopped', async () => {
    handler = (_req, res) => answerJson(res, 200, { code: 2102, message: 'task not found', traceId: 'v' });
    const result = await client({ traceIds: () => 'sent-trace' }).stopRtmp(stopSample, creds);
    expect(result).toEqual({ code: 2102, alreadyStopped: true, message: 'task not found', traceId: 'sent-trace', responseTraceId: 'v' });
  });

  it('stoprtmp answered 0 is not already stopped', async () => {
    handler = ok();
    expect(await client().stopRtmp(stopSample, creds)).toMatchObject({ code: 0, alreadyStopped: false });
  });

  it.each([
    [2101, 'InvalidParameter'],
    [2104, 'VendorInternalError'],
    [1001, 'InvalidToken'],
  ])('stoprtmp code %i still fails (%s)', async (code, name) => {
    handler = (_req, res) => answerJson(res, 200, { code, message: 'nope', traceId: 'v' });
    expect(await failure(client().stopRtmp(stopSample, creds))).toMatchObject({ code: name, vendorCode: code, endpoint: 'stoprtmp' });
  });

  it.each(gatewayStatusVerdicts)('HTTP %i from a gateway → HttpStatus (%s, outcome %s)', async (status, classification, outcome) => {
    handler = (_req, res) => answerJson(res, status, '<html>gateway says no</html>');
    const err = await failure(client().stopRtmp(stopSample, creds));
    expect(err).toMatchObject({ code: 'HttpStatus', classification, outcome, httpStatus: status });
    expect(err.vendorCode).toBeUndefined();
  });

  it('an HTTP 4xx whose JSON code is not one of the vendor codes is a configuration error, never terminal', async () => {
    handler = (_req, res) => answerJson(res, 404, { code: 404, message: 'no route', traceId: '' });
    const err = await failure(client().startRtmp(startSample, creds));
    expect(err).toMatchObject({ code: 'HttpStatus', classification: 'configuration', outcome: 'refused', httpStatus: 404 });
    expect(err.vendorCode).toBeUndefined();
  });

  it.each([
    [400, 2101, 'InvalidParameter', 'terminal'],
    [401, 1001, 'InvalidToken', 'credentials'],
    [500, 2104, 'VendorInternalError', 'retryable'],
  ])('HTTP %i carrying vendor code %i is judged by the code (%s)', async (status, code, name, classification) => {
    handler = (_req, res) => answerJson(res, status, { code, message: 'vendor says', traceId: 'v' });
    const err = await failure(client().startRtmp(startSample, creds));
    expect(err).toMatchObject({ code: name, classification, vendorCode: code, httpStatus: status });
  });

  it('HTTP 404 carrying 2102 on stoprtmp is also already stopped', async () => {
    handler = (_req, res) => answerJson(res, 404, { code: 2102, message: 'task not found', traceId: 'v' });
    expect(await client().stopRtmp(stopSample, creds)).toMatchObject({ code: 2102, alreadyStopped: true });
  });

  it.each([
    ['not JSON', 'Internal Server Error'],
    ['no code', { message: 'success', traceId: 'x' }],
    ['code not an integer', { code: '0', message: 'success', traceId: 'x' }],
    ['a JSON array', [0]],
  ])('%s → BadResponse (retryable)', async (_reason, body) => {
    handler = (_req, res) => answerJson(res, 200, body);
    const err = await failure(client().startRtmp(startSample, creds));
    expect(err).toMatchObject({ code: 'BadResponse', classification: 'retryable', outcome: 'unknown' });
  });

  it('never puts credentials or an auth_key into the error message', async () => {
    const rtmpurl = 'rtmp://upstream.jocloud.com/live/test?auth_key=1585626386-0-0-8032e26583c58344e43cce3e251173b7';
    const token = basicToken(creds).slice('Basic '.length);
    handler = (_req, res) =>
      answerJson(res, 200, { code: 2101, message: `bad rtmpurl ${rtmpurl} for ${creds.restfulId}/${creds.restfulSecret} (${token})`, traceId: 'v' });
    const err = await failure(client().startRtmp({ ...startSample, rtmpurl }, creds));
    expect(err.message).toContain('auth_key=REDACTED');
    for (const secret of ['8032e26583c58344e43cce3e251173b7', creds.restfulId, creds.restfulSecret, token]) expect(err.message).not.toContain(secret);
  });
});

describe('transport failures', () => {
  it('a vendor that never answers yields DeadlineExceeded within the deadline', async () => {
    handler = () => undefined; // hang
    const started = Date.now();
    const err = await failure(client({ timeouts: { requestMs: 300 } }).startRtmp(startSample, creds));
    const elapsed = Date.now() - started;
    expect(err).toMatchObject({ code: 'DeadlineExceeded', classification: 'retryable', outcome: 'unknown' });
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1_500);
  });

  it('a per-call timeout overrides the client deadline', async () => {
    handler = () => undefined;
    const started = Date.now();
    const err = await failure(client({ timeouts: { requestMs: 10_000 } }).stopRtmp(stopSample, creds, { timeoutMs: 200 }));
    expect(err.code).toBe('DeadlineExceeded');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('a body that stalls after the headers also hits the deadline', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"code":0,');
    };
    const err = await failure(client({ timeouts: { requestMs: 300 } }).startRtmp(startSample, creds));
    expect(err.code).toBe('DeadlineExceeded');
  });

  it('the caller can cancel through its own signal', async () => {
    handler = () => undefined;
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 100);
    const started = Date.now();
    const err = await failure(client({ timeouts: { requestMs: 10_000 } }).startRtmp(startSample, creds, { signal: ctl.signal }));
    expect(err).toMatchObject({ code: 'DeadlineExceeded', classification: 'retryable' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('a connection reset after the request was sent yields Network (retryable), outcome unknown', async () => {
    handler = (req) => req.socket.destroy();
    const err = await failure(client().startRtmp(startSample, creds));
    expect(err).toMatchObject({ code: 'Network', classification: 'retryable', outcome: 'unknown' });
  });

  it('a refused connection yields Network (retryable)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await failure(client({ endpoint: `http://127.0.0.1:${port}` }).startRtmp(startSample, creds));
    expect(err).toMatchObject({ code: 'Network', classification: 'retryable', outcome: 'refused' });
    expect(err.message).toContain('ECONNREFUSED');
  });
});

describe('the instance header', () => {
  it('names the calling process when an instance is given', async () => {
    handler = ok();
    await client({ instance: 'operator-7d9f_ab12' }).startRtmp(startSample, creds);
    expect(received[0]!.headers['x-rtmp-operator-instance']).toBe('operator-7d9f_ab12');
  });

  it('is not sent without one', async () => {
    handler = ok();
    await client().startRtmp(startSample, creds);
    expect(received[0]!.headers['x-rtmp-operator-instance']).toBeUndefined();
  });

  it('replaces characters a header cannot carry', async () => {
    handler = ok();
    await client({ instance: 'pod one\n' }).stopRtmp(stopSample, creds);
    expect(received[0]!.headers['x-rtmp-operator-instance']).toBe('pod_one_');
  });
});

describe('observability', () => {
  it('reports every call to onCall with the vendor code or the error code', async () => {
    const seen: VendorCallObservation[] = [];
    const c = client({ onCall: (o) => seen.push(o), timeouts: { requestMs: 200 } });
    handler = ok();
    await c.startRtmp(startSample, creds);
    handler = (_req, res) => answerJson(res, 200, { code: 2102, message: 'task not found', traceId: 'v' });
    await c.stopRtmp(stopSample, creds);
    handler = () => undefined;
    await failure(c.stopRtmp(stopSample, creds));
    expect(seen.map(({ endpoint, code }) => ({ endpoint, code }))).toEqual([
      { endpoint: 'startrtmp', code: '0' },
      { endpoint: 'stoprtmp', code: '2102' },
      { endpoint: 'stoprtmp', code: 'DeadlineExceeded' },
    ]);
    for (const o of seen) expect(o.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('logs each call at debug without the token or the auth_key', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString('utf8'));
        cb();
      },
    });
    const logger = pino({ level: 'debug' }, sink);
    handler = ok();
    const rtmpurl = 'rtmp://upstream.jocloud.com/live/test?auth_key=1585626386-0-0-8032e26583c58344e43cce3e251173b7';
    await client({ logger, traceIds: () => 'trace-log-1' }).startRtmp({ ...startSample, rtmpurl }, creds);
    const text = lines.join('');
    expect(text).toContain('"traceId":"trace-log-1"');
    expect(text).toContain('"endpoint":"startrtmp"');
    expect(text).toContain('"code":"0"');
    expect(text).toContain('auth_key=REDACTED');
    for (const secret of ['8032e26583c58344e43cce3e251173b7', creds.restfulSecret, basicToken(creds)]) expect(text).not.toContain(secret);
  });
});
