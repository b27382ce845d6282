// A loopback TCP proxy that integration tests put between the operator and the apiserver, to
// break its connections on purpose: dropAll() cuts every connection (like a network blip or an
// apiserver restart), pause() stalls traffic without closing anything (like a half-open
// connection or a black-holed route), resume() lets it flow again.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

export type PauseMode = 'hold' | 'refuse';

export interface TcpProxy {
  /** Loopback port to connect to instead of the target. */
  readonly port: number;
  /** Destroys every open connection (both sides), including held ones. */
  dropAll(): void;
  /**
   * Stops traffic. Open connections stay open but no bytes move in either direction; new
   * connections are held unanswered (`hold`, the default) or closed at once (`refuse`).
   */
  pause(mode?: PauseMode): void;
  /** Lets traffic flow again and connects held connections. */
  resume(): void;
  /** Connections accepted so far (held or not). */
  connectionsAccepted(): number;
  /** Connections currently open. */
  openConnections(): number;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  upstream: Socket | undefined;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let paused: PauseMode | undefined;
  let accepted = 0;

  const connectUpstream = (pair: Pair): void => {
    const upstream = createConnection({ host: targetHost, port: targetPort });
    pair.upstream = upstream;
    const end = (): void => {
      pair.client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    upstream.on('error', end);
    upstream.on('close', end);
    pair.client.on('error', end);
    pair.client.on('close', end);
    // Manual forwarding rather than pipe(), so that pause() can stop it without buffering limits.
    pair.client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => pair.client.write(chunk));
    if (paused === undefined) pair.client.resume();
  };

  const server = createServer({ pauseOnConnect: true }, (client) => {
    accepted += 1;
    if (paused === 'refuse') {
      client.destroy();
      return;
    }
    const pair: Pair = { client, upstream: undefined };
    pairs.add(pair);
    client.on('error', () => {
      client.destroy();
    });
    if (paused === 'hold') {
      client.once('close', () => {
        if (pair.upstream === undefined) pairs.delete(pair);
      });
      return;
    }
    connectUpstream(pair);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const dropAll = (): void => {
    for (const pair of pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    pairs.clear();
  };

  return {
    port,
    dropAll,
    pause(mode: PauseMode = 'hold') {
      paused = mode;
      for (const pair of pairs) {
        pair.client.pause();
        pair.upstream?.pause();
      }
    },
    resume() {
      paused = undefined;
      for (const pair of [...pairs]) {
        if (pair.client.destroyed) {
          pairs.delete(pair);
          continue;
        }
        if (pair.upstream === undefined) {
          connectUpstream(pair);
          continue;
        }
        pair.client.resume();
        pair.upstream.resume();
      }
    },
    connectionsAccepted: () => accepted,
    openConnections: () => pairs.size,
    close() {
      dropAll();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A copy of the kubeconfig at `kubeconfigPath` whose clusters are reached through `proxy`. */
export async function kubeconfigThrough(proxy: TcpProxy, kubeconfigPath: string): Promise<string> {
  const config = JSON.parse(await readFile(kubeconfigPath, 'utf8')) as { clusters: Array<{ cluster: { server: string } }> };
  for (const c of config.clusters) c.cluster.server = `https://127.0.0.1:${proxy.port}`;
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'rtmp-proxied-')), 'kubeconfig');
  await writeFile(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}
