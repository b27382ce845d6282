// A scripted fake apiserver (plain HTTP) for the informer tests: lists with paging, watches from a
// resourceVersion, and the failures a real one will not produce on demand.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubernetesObject } from '@kubernetes/client-node';

export interface Obj extends KubernetesObject {
  metadata: { name: string; namespace: string; resourceVersion: string; annotations?: Record<string, string>; managedFields?: Array<Record<string, unknown>> };
  data: { value: string };
}

export type WatchMode = 'normal' | 'http410' | 'error410' | 'hang' | 'silent' | 'http500';

export class FakeApiserver {
  rv = 100;
  readonly objects = new Map<string, Obj>();
  readonly log: Array<{ rv: number; type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: Obj }> = [];
  /** Watches from a resourceVersion below this answer 410 (as after etcd compaction). */
  compactedBelow = 0;
  watchMode: WatchMode = 'normal';
  /** While true, changes are recorded but not streamed to open watches. */
  holdBroadcast = false;
  /** Every list answers 500. */
  listFails = false;
  /** The next request with a continue token is refused with 410. */
  expireContinueTokens = false;
  readonly requests: string[] = [];
  private readonly watchers = new Set<ServerResponse>();
  /** Watches that get nothing, ever (hung or silent). */
  private readonly stalled = new Set<ServerResponse>();
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  put(name: string, value: string, extra: Pick<Obj['metadata'], 'annotations' | 'managedFields'> = {}): void {
    this.rv += 1;
    const type = this.objects.has(name) ? 'MODIFIED' : 'ADDED';
    const object: Obj = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'ns', resourceVersion: String(this.rv), ...extra },
      data: { value },
    };
    this.objects.set(name, object);
    this.record(type, object);
  }

  remove(name: string): void {
    const existing = this.objects.get(name);
    if (existing === undefined) throw new Error(`no ${name}`);
    this.rv += 1;
    this.objects.delete(name);
    this.record('DELETED', { ...existing, metadata: { ...existing.metadata, resourceVersion: String(this.rv) } });
  }

  dropWatchers(): void {
    for (const res of [...this.watchers, ...this.stalled]) res.destroy();
    this.watchers.clear();
    this.stalled.clear();
  }

  /** Ends open watches cleanly, as the apiserver does when timeoutSeconds runs out. */
  endWatchers(): void {
    for (const res of this.watchers) res.end();
    this.watchers.clear();
  }

  watchCount(): number {
    return this.requests.filter((r) => r.includes('watch=true')).length;
  }

  private record(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: Obj): void {
    this.log.push({ rv: this.rv, type, object });
    if (this.holdBroadcast) return;
    for (const res of this.watchers) res.write(`${JSON.stringify({ type, object })}\n`);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.searchParams.get('watch') === 'true') {
      this.watch(url, res);
      return;
    }
    this.list(url, res);
  }

  private list(url: URL, res: ServerResponse): void {
    if (this.listFails) {
      this.status(res, 500, 'InternalError', 'list unavailable');
      return;
    }
    const limit = Number(url.searchParams.get('limit') ?? '0');
    const cont = url.searchParams.get('continue');
    if (cont !== null && this.expireContinueTokens) {
      this.expireContinueTokens = false;
      this.status(res, 410, 'Expired', 'The provided continue parameter is too old');
      return;
    }
    const all = [...this.objects.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const offset = cont === null ? 0 : Number(cont);
    const page = limit > 0 ? all.slice(offset, offset + limit) : all.slice(offset);
    const next = limit > 0 && offset + limit < all.length ? String(offset + limit) : undefined;
    // Items of a built-in list come without kind/apiVersion.
    const items = page.map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'ConfigMapList',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(this.rv), ...(next !== undefined ? { continue: next } : {}) },
        items,
      }),
    );
  }

  private watch(url: URL, res: ServerResponse): void {
    const from = Number(url.searchParams.get('resourceVersion') ?? '0');
    switch (this.watchMode) {
      case 'hang':
        // Never answers: the connect itself stalls.
        this.stalled.add(res);
        return;
      case 'http500':
        this.status(res, 500, 'InternalError', 'etcd is having a bad day');
        return;
      case 'http410':
        this.status(res, 410, 'Expired', 'too old resource version');
        return;
      default:
        break;
    }
    if (from < this.compactedBelow) {
      this.status(res, 410, 'Expired', `too old resource version: ${from}`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    if (this.watchMode === 'error410') {
      res.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' } })}\n`);
      return;
    }
    if (this.watchMode === 'silent') {
      this.stalled.add(res);
      return;
    }
    this.watchers.add(res);
    res.on('close', () => this.watchers.delete(res));
    for (const entry of this.log) {
      if (entry.rv > from) res.write(`${JSON.stringify({ type: entry.type, object: entry.object })}\n`);
    }
  }

  private status(res: ServerResponse, code: number, reason: string, message: string): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message }));
  }
}

