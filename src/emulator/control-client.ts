// A typed client for the emulator's control API, for integration tests (and scripts) that talk to an
// emulator over HTTP, in-process or as a separate `rtmp-push-operator emulator` process.
import { Agent, request } from 'undici';
import { z } from 'zod';
import { stringifyVendorJson } from '../jocloud/json.js';
import {
  callbackLogSchema,
  callCountsSchema,
  callRecordSchema,
  deliveryResultSchema,
  destinationStateSchema,
  faultSchema,
  okSchema,
  taskViewSchema,
  type CallbackLog,
  type CallCounts,
  type CallRecord,
  type DeliveryResult,
  type DestinationState,
  type DestinationStateInput,
  type Fault,
  type FaultSpec,
  type SendCallbackInput,
  type TaskView,
} from './control-api.js';

export class EmulatorControlError extends Error {
  override readonly name = 'EmulatorControlError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export class EmulatorControl {
  private readonly agent = new Agent({ connectTimeout: 5_000, headersTimeout: 30_000, bodyTimeout: 30_000, keepAliveTimeout: 1_000 });
  private readonly origin: string;

  /** `baseUrl`: the emulator's origin, e.g. http://127.0.0.1:9090 (any path is ignored). */
  constructor(baseUrl: string) {
    this.origin = new URL(baseUrl).origin;
  }

  async healthz(): Promise<boolean> {
    await this.call('GET', 'healthz', okSchema);
    return true;
  }

  tasks(): Promise<TaskView[]> {
    return this.call('GET', 'tasks', z.array(taskViewSchema));
  }

  calls(endpoint?: 'startrtmp' | 'stoprtmp'): Promise<CallRecord[]> {
    return this.call('GET', endpoint === undefined ? 'calls' : `calls?endpoint=${endpoint}`, z.array(callRecordSchema));
  }

  /** Calls per endpoint since the last clear, past the records the log keeps. */
  callCounts(): Promise<CallCounts> {
    return this.call('GET', 'calls/count', callCountsSchema);
  }

  async clearCalls(): Promise<void> {
    await this.call('DELETE', 'calls', okSchema);
  }

  faults(): Promise<Fault[]> {
    return this.call('GET', 'faults', z.array(faultSchema));
  }

  addFault(spec: FaultSpec): Promise<Fault> {
    return this.call('POST', 'faults', faultSchema, spec);
  }

  async clearFaults(): Promise<void> {
    await this.call('DELETE', 'faults', okSchema);
  }

  setDestination(input: DestinationStateInput): Promise<DestinationState> {
    return this.call('POST', 'destinations', destinationStateSchema, input);
  }

  /** Sends one callback now; resolves with its delivery outcome (after any retries). */
  sendCallback(input: SendCallbackInput): Promise<DeliveryResult> {
    return this.call('POST', 'callbacks', deliveryResultSchema, input);
  }

  callbackLog(): Promise<CallbackLog> {
    return this.call('GET', 'callbacks', callbackLogSchema);
  }

  /** Runs one round of periodic callbacks now instead of waiting for the interval. */
  async tick(): Promise<void> {
    await this.call('POST', 'tick', okSchema);
  }

  /** Forgets tasks, calls, faults, address states and pending callbacks. */
  async reset(): Promise<void> {
    await this.call('POST', 'reset', okSchema);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async call<S extends z.ZodType>(method: 'GET' | 'POST' | 'DELETE', route: string, schema: S, body?: unknown): Promise<z.output<S>> {
    const res = await request(`${this.origin}/_emulator/${route}`, {
      dispatcher: this.agent,
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: stringifyVendorJson(body) }),
    });
    const text = await res.body.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new EmulatorControlError(`${method} /_emulator/${route}: HTTP ${res.statusCode}, body is not JSON`, res.statusCode);
    }
    if (res.statusCode < 200 || res.statusCode > 299) {
      const error = typeof parsed === 'object' && parsed !== null && 'error' in parsed ? String(parsed.error) : text;
      throw new EmulatorControlError(`${method} /_emulator/${route}: HTTP ${res.statusCode}: ${error}`, res.statusCode);
    }
    return schema.parse(parsed);
  }
}
