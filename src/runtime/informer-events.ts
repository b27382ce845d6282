// The informer's event handlers: called synchronously and not awaited, each in isolation, so one
// that throws or rejects cannot stop the others or the informer (its error is reported instead).

/** Why a watch was restarted abnormally (a server-side timeout is normal and not reported). */
export type WatchRestartReason = 'expired' | 'watchdog' | 'error';

export interface InformerEvents<T> {
  add: (obj: T) => void | Promise<void>;
  update: (obj: T, old: T) => void | Promise<void>;
  delete: (obj: T) => void | Promise<void>;
  /** A list or watch failed; the informer retries on its own. */
  error: (error: unknown) => void;
  /** A watch ended abnormally and is being re-established (`relist` when a full list follows). */
  restart: (info: { reason: WatchRestartReason; relist: boolean }) => void;
  /** The first list completed: the cache reflects the cluster. */
  synced: () => void;
}

type Listeners<T> = { [E in keyof InformerEvents<T>]: Array<InformerEvents<T>[E]> };

export class Handlers<T> {
  private readonly listeners: Listeners<T> = { add: [], update: [], delete: [], error: [], restart: [], synced: [] };

  constructor(private readonly onFailure: (event: keyof InformerEvents<T>, error: unknown) => void) {}

  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends keyof InformerEvents<T>>(event: E, handler: InformerEvents<T>[E]): () => void {
    const list = this.listeners[event] as Array<InformerEvents<T>[E]>;
    list.push(handler);
    return () => {
      const i = list.indexOf(handler);
      if (i >= 0) list.splice(i, 1);
    };
  }

  emit<E extends keyof InformerEvents<T>>(event: E, ...args: Parameters<InformerEvents<T>[E]>): void {
    for (const handler of [...this.listeners[event]]) {
      try {
        const result = (handler as (...a: Parameters<InformerEvents<T>[E]>) => unknown)(...args);
        if (result instanceof Promise) result.catch((error: unknown) => this.onFailure(event, error));
      } catch (error) {
        this.onFailure(event, error);
      }
    }
  }
}
