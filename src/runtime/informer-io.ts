// The informer's two requests: one page of a list, and one watch stream read line by line under a
// watchdog. A watch that receives nothing (no bytes, not even a bookmark) for `watchdogMs` is
// aborted, which also bounds a connect that hangs: a half-open TCP connection otherwise looks
// exactly like a quiet resource.
import type { Readable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeGet, kubeGetJson, KubeHttpError, type QueryParams } from './kube-client.js';

export interface ListPage {
  readonly items: unknown[];
  readonly resourceVersion: string;
  readonly continueToken: string | undefined;
  /** Kind of the items (the list's kind without `List`); built-in lists leave it off the items. */
  readonly itemKind: string | undefined;
  readonly apiVersion: string | undefined;
}

export async function listPage(kubeConfig: KubeConfig, path: string, query: QueryParams, signal: AbortSignal): Promise<ListPage> {
  const body = await kubeGetJson(kubeConfig, path, query, signal);
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { items?: unknown }).items)) {
    throw new Error(`list of ${path}: response is not a list`);
  }
  const list = body as { items: unknown[]; kind?: unknown; apiVersion?: unknown; metadata?: Record<string, unknown> };
  const cont = list.metadata?.continue;
  const rv = list.metadata?.resourceVersion;
  return {
    items: list.items,
    resourceVersion: typeof rv === 'string' ? rv : '',
    continueToken: typeof cont === 'string' && cont !== '' ? cont : undefined,
    itemKind: typeof list.kind === 'string' ? list.kind.replace(/List$/, '') : undefined,
    apiVersion: typeof list.apiVersion === 'string' ? list.apiVersion : undefined,
  };
}

export type WatchEnd = 'closed' | 'expired' | 'watchdog' | 'stopped';

export interface WatchStreamOptions {
  readonly kubeConfig: KubeConfig;
  readonly path: string;
  readonly query: QueryParams;
  readonly watchdogMs: number;
  /** Ends the watch (`stopped`). */
  readonly stopSignal: AbortSignal;
  /** Called when the watchdog fires, before the watch is aborted. */
  readonly onWatchdog: () => void;
  /** Applies one event line; 'expired' ends the watch. Throwing ends it with that error. */
  readonly onLine: (line: string) => 'ok' | 'expired';
}

/** Watches until the stream ends; `events` counts the lines applied (real progress). */
export async function watchStream(opts: WatchStreamOptions): Promise<{ end: WatchEnd; events: number }> {
  const controller = new AbortController();
  const onStop = (): void => controller.abort();
  opts.stopSignal.addEventListener('abort', onStop, { once: true });
  // stop() may have been called while the list was finishing; its abort event is gone by now.
  if (opts.stopSignal.aborted) controller.abort();
  let watchdogFired = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      watchdogFired = true;
      opts.onWatchdog();
      controller.abort(new Error('watch watchdog expired'));
    }, opts.watchdogMs);
  };
  let events = 0;
  let body: Readable | undefined;
  try {
    arm();
    const response = await kubeGet(opts.kubeConfig, opts.path, opts.query, controller.signal);
    body = response.body;
    if (response.status !== 200) throw await KubeHttpError.fromStream(response, `watch ${opts.path}`);
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body) {
      arm();
      buffered += decoder.decode(chunk as Buffer, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line === '') continue;
        if (opts.onLine(line) === 'expired') return { end: 'expired', events };
        // Only real progress counts: an ERROR right after connecting must still back off.
        events += 1;
      }
    }
    return { end: 'closed', events };
  } catch (error) {
    if (watchdogFired) return { end: 'watchdog', events };
    if (opts.stopSignal.aborted) return { end: 'stopped', events };
    throw error;
  } finally {
    clearTimeout(timer);
    opts.stopSignal.removeEventListener('abort', onStop);
    // Releases the connection whatever ended the watch (an ERROR event leaves it open).
    controller.abort();
    body?.destroy();
  }
}
