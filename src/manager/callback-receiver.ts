// Wiring of the push-status callback receiver: its writer's store, metrics, Events and gate, and
// the task watch that keeps its index of tasks current. Only wiring; the logic is in callback/.
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import { CallbackReceiver } from '../callback/receiver.js';
import type { CallbackSettings } from '../callback/settings.js';
import { asTask, type TaskCaches } from '../controller/caches.js';
import type { EventSink } from '../controller/events.js';
import type { Logger } from '../observability/logger.js';
import { CALLBACK_STATUS_QUEUE, workQueueMetricsHooks, type OperatorMetrics } from '../observability/metrics.js';
import type { PriorityGate } from '../runtime/priority-gate.js';
import type { StatusTarget } from '../runtime/status-writer.js';

export interface CallbackReceiverWiring {
  readonly settings: { readonly defaultAppid?: string | undefined; readonly taskidPrefix?: string | undefined };
  readonly callbacks: CallbackSettings;
  readonly caches: TaskCaches;
  /** Where the callback writer reads and patches status (under its own field manager). */
  readonly store: StatusTarget<UnvalidatedRtmpPushTask>;
  /** A 3003 for a task that should be running: the reconciler's queue. */
  readonly onTerminated: (key: string) => void;
  readonly metrics: OperatorMetrics;
  readonly events: EventSink;
  readonly gate: PriorityGate;
  readonly logger: Logger;
}

export function wireCallbackReceiver(w: CallbackReceiverWiring): CallbackReceiver {
  const { caches, metrics } = w;
  const receiver = new CallbackReceiver({
    settings: w.callbacks,
    logger: w.logger,
    getTask: (key) => {
      const slash = key.indexOf('/');
      return caches.getTask(key.slice(0, slash), key.slice(slash + 1));
    },
    isSynced: () => caches.tasks.hasSynced(),
    store: w.store,
    defaultAppid: w.settings.defaultAppid,
    taskidPrefix: w.settings.taskidPrefix,
    events: w.events,
    queueHooks: workQueueMetricsHooks(metrics, CALLBACK_STATUS_QUEUE),
    onTerminated: w.onTerminated,
    gate: w.gate,
    serverMetrics: {
      accepted: (status) => metrics.callbacksTotal.inc({ status: String(status) }),
      rejected: (reason) => metrics.callbacksRejectedTotal.inc({ reason }),
      unknownTask: () => metrics.callbacksRejectedTotal.inc({ reason: 'unknown-task' }),
    },
  });
  caches.tasks.on('add', (obj) => receiver.taskChanged(asTask(obj)));
  caches.tasks.on('update', (obj) => receiver.taskChanged(asTask(obj)));
  caches.tasks.on('delete', (obj) => receiver.taskDeleted(asTask(obj)));
  return receiver;
}
