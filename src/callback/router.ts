// From a validated callback to the task(s) it is about: the index says which, the writer records
// the report. Synchronous and memory-only, as the server requires of onCallback.
import type { PushStatusCallback } from '../jocloud/wire.js';
import type { CallbackWriter } from './callback-writer.js';
import type { CallbackResult } from './server.js';
import type { TaskIndex } from './task-index.js';

export function callbackRouter(index: TaskIndex, writer: Pick<CallbackWriter, 'record'>): (cb: PushStatusCallback) => CallbackResult {
  return (cb) => {
    const keys = index.lookup(cb);
    if (keys.length === 0) return 'unknown-task';
    const report = { url: cb.url, status: cb.status, errcode: cb.errcode, description: cb.description, version: cb.version };
    for (const key of keys) writer.record(key, report);
    return 'accepted';
  };
}
