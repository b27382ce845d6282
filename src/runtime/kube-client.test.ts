import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeKubeError, httpStatusOf, kubeGet, kubeGetJson, KubeHttpError, requestOptions } from './kube-client.js';

describe('kube-client against a fake apiserver', () => {
  let server: Server;
  let kubeConfig: KubeConfig;
  let handler: (url: URL, headers: Record<string, string | string[] | undefined>, res: ServerResponse) => void;

  beforeEach(async () => {
    server = createServer((req, res) => handler(new URL(req.url ?? '/', 'http://x'), req.headers, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromClusterAndUser(
      { name: 'fake', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}/prefix/`, skipTLSVerify: true },
      { name: 'u', token: 'secret-token' },
    );
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('kubeGet sends the credentials, keeps a server path prefix and encodes the query', async () => {
    let seen: { path: string; query: Record<string, string>; auth: unknown } | undefined;
    handler = (url, headers, res) => {
      seen = { path: url.pathname, query: Object.fromEntries(url.searchParams), auth: headers.authorization };
      res.end('{}');
    };
    const response = await kubeGet(
      kubeConfig,
      '/api/v1/configmaps',
      { labelSelector: 'a=b,c in (d)', limit: 5, skipped: undefined },
      AbortSignal.timeout(5_000),
    );
    expect(response.status).toBe(200);
    expect(seen).toEqual({
      path: '/prefix/api/v1/configmaps',
      query: { labelSelector: 'a=b,c in (d)', limit: '5' },
      auth: 'Bearer secret-token',
    });
  });

  it('kubeGetJson turns a Status answer into a KubeHttpError with code, reason and message', async () => {
    handler = (_url, _h, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'configmaps is forbidden' }));
    };
    const error = await kubeGetJson(kubeConfig, '/api/v1/configmaps', {}, AbortSignal.timeout(5_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeHttpError);
    expect(error).toMatchObject({ statusCode: 403, reason: 'Forbidden' });
    expect(String(error)).toContain('configmaps is forbidden');
    expect(httpStatusOf(error)).toBe(403);
  });

  it('requestOptions gives a generated-client call a signal that cancels it', async () => {
    handler = () => {
      // never answers
    };
    const api = kubeConfig.makeApiClient(CoreV1Api);
    const started = Date.now();
    await expect(api.readNamespace({ name: 'x' }, requestOptions(AbortSignal.timeout(100)))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('httpStatusOf / describeKubeError', () => {
  it.each([
    { reason: 'generated-client ApiException', error: new ApiException(409, 'Conflict', '{"message":"the object has been modified"}', {}), code: 409, text: 'HTTP 409: the object has been modified' },
    { reason: 'ApiException with an object body', error: new ApiException(404, 'Not Found', { message: 'not found' }, {}), code: 404, text: 'HTTP 404: not found' },
    { reason: 'KubeHttpError', error: new KubeHttpError(410, 'watch: HTTP 410: too old'), code: 410, text: 'watch: HTTP 410: too old' },
    { reason: 'a network error has no status', error: new TypeError('fetch failed'), code: undefined, text: 'fetch failed' },
    { reason: 'a non-error value', error: 'weird', code: undefined, text: 'weird' },
  ])('$reason', ({ error, code, text }) => {
    expect(httpStatusOf(error)).toBe(code);
    expect(describeKubeError(error)).toBe(text);
  });
});
