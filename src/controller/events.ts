// Where the reconciler and the callback writer send Events. Messages leave the process, so any
// URL in them loses its credentials first; and they carry no per-attempt detail (traceIds), so
// that repeated failures aggregate into one Event with a count instead of one object per attempt.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { UnvalidatedRtmpPushTask } from '../api/v1alpha1/types.js';
import { redactUrl } from '../observability/redact.js';
import type { EventType } from '../runtime/event-recorder.js';

export interface EventSink {
  record(task: UnvalidatedRtmpPushTask, type: EventType, reason: string, message: string): void;
}

export interface EventRecorderLike {
  record(obj: KubernetesObject, type: EventType, reason: string, message: string): Promise<void>;
}

/** Events leave the process: any URL in a message loses its credentials first. */
export function redactMessage(message: string): string {
  return message.replace(/rtmps?:\/\/[^\s,;)]+/g, (u) => redactUrl(u));
}

export function eventSink(recorder: EventRecorderLike): EventSink {
  return {
    record(task, type, reason, message) {
      void recorder.record(task as unknown as KubernetesObject, type, reason, redactMessage(message));
    },
  };
}
