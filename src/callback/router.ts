// From a validated callback to the task(s) it is about: the index says which, the writer records
// the report. Synchronous and memory-only for the periodic states; a 3003 (sent once) is answered
// only when it is durably in status (see server.ts).
import type { PushStatusCallback } from '../jocloud/wire.js';
import type { CallbackWriter } from './callback-writer.js';
import type { CallbackResult } from './server.js';
import type { TaskIndex } from './task-index.js';

export function callbackRouter(index: TaskIndex, writer: Pick<CallbackWriter, 'record' | 'recordDurably'>): (cb: PushStatusCallback) => CallbackResult | Promise<CallbackResult> {
  return (cb) => {
    const keys = index.lookup(cb);
    if (keys.length === 0) return 'unknown-task';
    const report = { url: cb.url, status: cb.status, errcode: cb.errcode, description: cb.description, version: cb.version };
    if (cb.status === 3003) return Promise.all(keys.map((key) => writer.recordDurably(key, report))).then(() => 'accepted' as const);
    for (const key of keys) writer.record(key, report);
    return 'accepted';
  };
}
