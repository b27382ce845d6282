// One long-lived connection pool to the apiserver for every call the operator makes — lists,
// watches, patches, Events, Leases — and a deadline on every call that is not a watch.
//
// Why: client-node 2.0.1 builds a new undici Agent in applySecurityAuthentication for every
// request, so each call pays a TCP and TLS handshake and leaves an Agent (with its TLS context) to
// the garbage collector; with thousands of tasks that dominates both time and memory. Here the
// generated API classes get a Configuration whose HttpLibrary sends through one shared dispatcher
// (client-go's transport cache does the same: one http.Transport per distinct TLS config), and
// credentials are read per request (see kube-credentials.ts), so rotating tokens still work.
// The fix upstream would be for KubeConfig to cache the dispatcher it creates per cluster/user and
// TLS material, as it already does for the https.Agent used by websockets (agentCache).
//
// Usage: KubeClients.for(kubeConfig) returns the one instance for that KubeConfig object;
// `.makeApiClient(CoreV1Api)` replaces `kubeConfig.makeApiClient(CoreV1Api)`; `.close()` at exit.
import type { Readable } from 'node:stream';
import {
  createConfiguration,
  Observable,
  ResponseContext,
  ServerConfiguration,
  type ApiConstructor,
  type ApiType,
  type HttpLibrary,
  type KubeConfig,
  type RequestContext,
} from '@kubernetes/client-node';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { readCredentials, type TlsMaterial } from './kube-credentials.js';

/** Deadline of a call (headers and whole body) unless the caller gives one; watches have none. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface KubeClientsOptions {
  /** See DEFAULT_REQUEST_TIMEOUT_MS. */
  readonly requestTimeoutMs?: number;
  /**
   * Offer HTTP/2 through ALPN on TLS connections. Default false: in the fleet benchmark
   * (bench/fleet.ts, 2,000 tasks) HTTP/1.1 keep-alive synced 10-25 % faster and had a much lower
   * idle apply-to-vendor-call p99 than undici's HTTP/2 to the same apiserver, at the same memory.
   */
  readonly http2?: boolean;
}

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface KubeRequest {
  readonly method: HttpVerb;
  /** Path and query below the cluster URL (`/api/v1/...?...`), or an absolute URL on it. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortSignal | undefined;
  /** Overrides the client's deadline for this call. */
  readonly timeoutMs?: number;
}

export interface KubeResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

export interface KubeStream {
  readonly status: number;
  /** The response body; the caller must consume or destroy it. */
  readonly body: Readable;
}

/** A call that got no complete answer within its deadline (a hung or half-open connection). */
export class KubeTimeoutError extends Error {
  override readonly name = 'KubeTimeoutError';
}

const USER_AGENT = 'rtmp-push-operator';
const instances = new WeakMap<KubeConfig, KubeClients>();

export class KubeClients {
  private readonly server: URL;
  private readonly timeoutMs: number;
  private readonly http2: boolean;
  private pool: { dispatcher: Dispatcher; fingerprint: string } | undefined;
  private closed = false;
  /** Every call not finished yet, so close() can cut them off (undici's destroy() leaves them hanging). */
  private readonly inFlight = new Set<AbortController>();

  /** The one instance for this KubeConfig object (created with `options` on first use). */
  static for(kubeConfig: KubeConfig, options: KubeClientsOptions = {}): KubeClients {
    let clients = instances.get(kubeConfig);
    if (clients === undefined) {
      clients = new KubeClients(kubeConfig, options);
      instances.set(kubeConfig, clients);
    }
    return clients;
  }

  /** A separate pool (tests that compare pools); prefer KubeClients.for. */
  constructor(
    private readonly kubeConfig: KubeConfig,
    options: KubeClientsOptions = {},
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error('kubeconfig has no current cluster');
    if (cluster.proxyUrl !== undefined && cluster.proxyUrl !== '' && !/^https?:/.test(cluster.proxyUrl)) {
      throw new Error(`kubeconfig proxy-url ${new URL(cluster.proxyUrl).protocol} is not supported (http and https proxies are)`);
    }
    // Concatenate rather than resolve later: a server URL may carry a path prefix (API proxies).
    this.server = new URL(cluster.server.replace(/\/+$/, ''));
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.http2 = options.http2 ?? false;
  }

  /** A generated API class (CoreV1Api, CustomObjectsApi, ...) that sends through this pool. */
  makeApiClient<T extends ApiType>(apiClientType: ApiConstructor<T>): T {
    const httpApi: HttpLibrary = { send: (request) => new Observable(this.sendGenerated(request)) };
    return new apiClientType(createConfiguration({ baseServer: new ServerConfiguration(this.server.href.replace(/\/+$/, ''), {}), httpApi }));
  }

  /** One call with its whole body read, bounded by the deadline. Non-2xx answers resolve too. */
  async request(req: KubeRequest): Promise<KubeResponse> {
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new KubeTimeoutError(`${req.method} ${this.pathOf(req.path)}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const unlink = this.track(controller, req.signal);
    try {
      const response = await this.dispatch(req, controller.signal);
      const text = await response.body.text();
      return { status: response.statusCode, headers: flattenHeaders(response.headers), text };
    } catch (error) {
      if (timedOut) throw controller.signal.reason as Error;
      throw error;
    } finally {
      clearTimeout(timer);
      unlink();
    }
  }

  /** A GET whose body is streamed (watches): no deadline, `signal` ends it. */
  async stream(path: string, signal: AbortSignal): Promise<KubeStream> {
    const controller = new AbortController();
    const unlink = this.track(controller, signal);
    try {
      const response = await this.dispatch({ method: 'GET', path }, controller.signal);
      response.body.once('close', unlink);
      return { status: response.statusCode, body: response.body };
    } catch (error) {
      unlink();
      throw error;
    }
  }

  /** Links `controller` to the caller's signal and to close(); returns the undo. */
  private track(controller: AbortController, signal: AbortSignal | undefined): () => void {
    const onAbort = (): void => controller.abort(signal?.reason);
    if (signal?.aborted === true) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    this.inFlight.add(controller);
    return () => {
      signal?.removeEventListener('abort', onAbort);
      this.inFlight.delete(controller);
    };
  }

  /**
   * Closes the pool: calls still in flight get `graceMs` to finish, then are cut off (at exit
   * nothing waits for them any more). Later calls fail.
   */
  async close(graceMs = 1_000): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = undefined;
    if (instances.get(this.kubeConfig) === this) instances.delete(this.kubeConfig);
    if (pool === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'cut'>((resolve) => (timer = setTimeout(() => resolve('cut'), graceMs)));
    const outcome = await Promise.race([pool.dispatcher.close().then(() => 'closed' as const), graceOver]);
    clearTimeout(timer);
    if (outcome === 'closed') return;
    for (const controller of this.inFlight) controller.abort(new Error('KubeClients closed'));
    await pool.dispatcher.destroy();
  }

  private async dispatch(req: KubeRequest, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    if (this.closed) throw new Error('KubeClients: used after close()');
    const credentials = await readCredentials(this.kubeConfig);
    const dispatcher = this.dispatcherFor(credentials.tls, credentials.tlsFingerprint);
    const url = req.path.startsWith('/') ? new URL(this.server.pathname.replace(/\/+$/, '') + req.path, this.server) : new URL(req.path);
    return dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: req.method,
      headers: { accept: 'application/json', 'user-agent': USER_AGENT, ...lowerCase(req.headers), ...credentials.headers },
      ...(req.body !== undefined ? { body: req.body } : {}),
      signal,
      // The deadline above bounds a call; undici's own idle timers would cut quiet watches.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  /** The pool for the current TLS material; a new one (and the old one closed when idle) if it changed. */
  private dispatcherFor(tls: TlsMaterial, fingerprint: string): Dispatcher {
    if (this.pool?.fingerprint === fingerprint) return this.pool.dispatcher;
    const previous = this.pool?.dispatcher;
    const connect = { ...tls, keepAlive: true, keepAliveInitialDelay: 30_000 };
    // Idle connections are kept 30 s (the apiserver closes them after 90 s); the lease renewal
    // every 2 s keeps one warm on an idle leader.
    const common = { allowH2: this.http2, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000 };
    const proxy = this.kubeConfig.getCurrentCluster()?.proxyUrl;
    const dispatcher: Dispatcher =
      proxy !== undefined && proxy !== '' ? new ProxyAgent({ uri: proxy, requestTls: connect, ...common }) : new Agent({ connect, ...common });
    this.pool = { dispatcher, fingerprint };
    void previous?.close();
    return dispatcher;
  }

  private async sendGenerated(request: RequestContext): Promise<ResponseContext> {
    const body = request.getBody();
    if (body !== undefined && typeof body !== 'string') throw new Error('KubeClients: only JSON string bodies are supported');
    const response = await this.request({
      method: request.getHttpMethod() as HttpVerb,
      path: request.getUrl(),
      headers: request.getHeaders(),
      ...(body !== undefined ? { body } : {}),
      signal: request.getSignal(),
    });
    return new ResponseContext(response.status, { ...response.headers }, {
      text: () => Promise.resolve(response.text),
      binary: () => Promise.resolve(Buffer.from(response.text)),
      stream: () => null,
    });
  }

  private pathOf(path: string): string {
    return path.startsWith('/') ? path.split('?')[0] ?? path : new URL(path).pathname;
  }
}

function lowerCase(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
