// The callback side assembled for `rtmp-push-operator run`: index + writer + server. Runs on every
// replica, leader or not (see callback-writer.ts); the run command feeds it the task informer's
// events and its cache.
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import type { Logger } from '../observability/logger.js';
import type { EventSink } from '../controller/events.js';
import type { StatusTarget } from '../runtime/status-writer.js';
import type { WorkQueueHooks } from '../runtime/work-queue.js';
import type { PriorityGate } from '../runtime/priority-gate.js';
import { CallbackWriter, type StatusWriteHooks } from './callback-writer.js';
import type { CallbackSettings } from './settings.js';
import { callbackRouter } from './router.js';
import { startCallbackServer, type CallbackServer, type CallbackServerMetrics } from './server.js';
import { TaskIndex } from './task-index.js';
import { taskKey } from './task-view.js';

export interface CallbackReceiverOptions {
  readonly settings: CallbackSettings;
  readonly logger: Logger;
  /** The informer cache's copy of a task by `namespace/name`. */
  readonly getTask: (key: string) => UnvalidatedRtmpPushTask | undefined;
  /** Whether the informer has synced; callbacks get 503 (vendor retries) until it has. */
  readonly isSynced: () => boolean;
  readonly store: StatusTarget<UnvalidatedRtmpPushTask>;
  /** Streaming transitions become Events. */
  readonly events?: EventSink;
  readonly defaultAppid?: string | undefined;
  readonly taskidPrefix?: string | undefined;
  /** A 3003 for a task that should be running was recorded: enqueue it for the reconciler. */
  readonly onTerminated?: (key: string) => void;
  readonly serverMetrics?: CallbackServerMetrics;
  readonly writeHooks?: StatusWriteHooks;
  /** The callback writer's work queue metrics. */
  readonly queueHooks?: WorkQueueHooks;
  /** What status writes of reports give way to (the reconciles); by default nothing. */
  readonly gate?: PriorityGate;
}

export class CallbackReceiver {
  readonly index: TaskIndex;
  readonly writer: CallbackWriter;
  private server: CallbackServer | undefined;

  constructor(private readonly opts: CallbackReceiverOptions) {
    this.index = new TaskIndex({ defaultAppid: opts.defaultAppid, taskidPrefix: opts.taskidPrefix });
    this.writer = new CallbackWriter({
      getTask: opts.getTask,
      store: opts.store,
      logger: opts.logger.child({ component: 'callback-writer' }),
      refreshMs: opts.settings.refreshMs,
      staleMs: opts.settings.staleMs,
      defaultAppid: opts.defaultAppid,
      taskidPrefix: opts.taskidPrefix,
      ...(opts.onTerminated !== undefined ? { onTerminated: opts.onTerminated } : {}),
      ...(opts.writeHooks !== undefined ? { hooks: opts.writeHooks } : {}),
      ...(opts.events !== undefined ? { events: opts.events } : {}),
      ...(opts.queueHooks !== undefined ? { queue: { hooks: opts.queueHooks } } : {}),
      ...(opts.gate !== undefined ? { gate: opts.gate } : {}),
    });
  }

  /** Informer add/update handler. */
  readonly taskChanged = (task: UnvalidatedRtmpPushTask): void => {
    this.index.upsert(task);
  };

  /** Informer delete handler. */
  readonly taskDeleted = (task: UnvalidatedRtmpPushTask): void => {
    this.index.remove(task);
    this.writer.forget(taskKey(task));
  };

  /** Starts the writer's workers and the HTTP endpoint. */
  async start(): Promise<CallbackServer> {
    this.writer.start();
    this.server = await startCallbackServer({
      addr: this.opts.settings.addr,
      token: this.opts.settings.token,
      allowUnauthenticated: this.opts.settings.allowUnauthenticated,
      logger: this.opts.logger.child({ component: 'callback-server' }),
      onCallback: callbackRouter(this.index, this.writer),
      isReady: this.opts.isSynced,
      ...(this.opts.serverMetrics !== undefined ? { metrics: this.opts.serverMetrics } : {}),
    });
    return this.server;
  }

  /** Stops taking callbacks, then writes what is still waiting within the deadline. */
  async stop(opts: { deadlineMs: number }): Promise<void> {
    const started = Date.now();
    await this.server?.close();
    await this.writer.shutdown({ deadlineMs: Math.max(0, opts.deadlineMs - (Date.now() - started)) });
  }
}
