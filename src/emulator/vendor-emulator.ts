// The emulator's behaviour behind the HTTP routes: what startrtmp/stoprtmp do to the active tasks,
// and which push-status callbacks follow (3000 soon after a start and then periodically, 3003 when
// an address stops). Callbacks are scheduled, never awaited by an API answer.
import type { Logger } from '../observability/logger.js';
import { redactUrl } from '../observability/redact.js';
import { CallbackSender, type CallbackPayload } from './callback-sender.js';
import type { CallbackLog, DeliveryResult, DestinationState, TaskView } from './control-api.js';
import { toJsonSafe } from './json-safe.js';
import { appAndStreamName } from './rtmp-address.js';
import { TaskStore, type ActiveTask, type StartInput, type StopInput } from './task-store.js';

export interface AddressState {
  readonly status: number;
  readonly errcode: number;
  readonly description: string;
}

export const normalState: AddressState = { status: 3000, errcode: 0, description: 'Normal stream pushing' };
/** errcode 2001 is the page's "The stream pushing stopped". */
const stoppedState: AddressState = { status: 3003, errcode: 2001, description: 'The stream pushing stopped' };
const removedState: AddressState = { status: 3003, errcode: 2001, description: 'The stream pushing stopped: address removed by a full-mode update' };

export interface VendorAnswer {
  readonly code: number;
  readonly message: string;
}

export interface VendorEmulatorOptions {
  readonly callbackUrl?: string | undefined;
  /** Period of the repeated 3000-3002 callbacks; default 10 s. */
  readonly callbackIntervalMs?: number;
  /** Delay between an API answer and the callbacks it causes; default 100 ms. */
  readonly eventCallbackDelayMs?: number;
  readonly callbackTimeoutMs?: number;
  readonly callbackRetryDelaysMs?: readonly number[];
  readonly logger?: Logger | undefined;
  readonly now?: () => Date;
}

/**
 * Callback versions: one clock for all addresses, so each address sees strictly increasing values.
 * Seeded from wall time (µs-ish), so a restarted emulator keeps counting upward like a vendor would.
 */
const OBSERVE_CEILING = 2n ** 63n;

export class VersionClock {
  private last = 0n;
  constructor(private readonly nowMs: () => number = Date.now) {}
  next(): bigint {
    const floor = BigInt(this.nowMs()) * 1000n;
    this.last = this.last + 1n > floor ? this.last + 1n : floor;
    return this.last;
  }
  /** Keeps later versions above a hand-sent one, except near the uint64 ceiling (sent to test bigint handling). */
  observe(version: bigint): void {
    if (version > this.last && version < OBSERVE_CEILING) this.last = version;
  }
}

export class VendorEmulator {
  private readonly store = new TaskStore();
  private readonly addressStates = new Map<string, AddressState>();
  private readonly lastVersions = new Map<string, bigint>();
  private readonly versions: VersionClock;
  private readonly sender: CallbackSender | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly periodic: NodeJS.Timeout;
  private readonly eventDelayMs: number;
  private readonly now: () => Date;
  private readonly logger: Logger | undefined;

  constructor(opts: VendorEmulatorOptions = {}) {
    this.now = opts.now ?? (() => new Date());
    this.versions = new VersionClock(() => this.now().getTime());
    this.logger = opts.logger;
    this.eventDelayMs = opts.eventCallbackDelayMs ?? 100;
    if (opts.callbackUrl !== undefined && opts.callbackUrl !== '') {
      this.sender = new CallbackSender({
        url: opts.callbackUrl,
        ...(opts.logger ? { logger: opts.logger } : {}),
        ...(opts.callbackTimeoutMs !== undefined ? { timeoutMs: opts.callbackTimeoutMs } : {}),
        ...(opts.callbackRetryDelaysMs !== undefined ? { retryDelaysMs: opts.callbackRetryDelaysMs } : {}),
      });
    }
    this.periodic = setInterval(() => this.tick(), opts.callbackIntervalMs ?? 10_000);
    this.periodic.unref();
  }

  startRtmp(req: StartInput): VendorAnswer {
    const out = this.store.start(req, this.now());
    for (const url of out.started) {
      if (this.addressStates.get(url)?.status === 3003) this.addressStates.delete(url);
    }
    this.later([...out.removed.map((url) => this.payload(out.task, url, removedState)), ...out.started.map((url) => this.payload(out.task, url, this.stateOf(url)))]);
    this.logger?.info(
      { key: out.task.key, created: out.created, started: out.started.map(redactUrl), removed: out.removed.map(redactUrl) },
      out.created ? 'task started' : 'task updated',
    );
    return { code: 0, message: 'success' };
  }

  stopRtmp(req: StopInput): VendorAnswer {
    const out = this.store.stop(req);
    if (out === undefined) return { code: 2102, message: 'task not found' };
    this.later(out.stopped.map((url) => this.payload(out.task, url, stoppedState)));
    this.logger?.info({ key: out.task.key, stopped: out.stopped.map(redactUrl) }, 'task stopped');
    return { code: 0, message: 'success' };
  }

  /** Sets what an address reports from now on, and reports it at once wherever it is pushed. */
  setDestination(input: { url: string; status: number; errcode?: number | undefined; description?: string | undefined }): DestinationState {
    const state: AddressState = {
      status: input.status,
      errcode: input.errcode ?? 0,
      description: input.description ?? (input.status === 3000 ? normalState.description : `status ${input.status}`),
    };
    this.addressStates.set(input.url, state);
    const refs = state.status === 3003 ? this.store.terminate(input.url) : this.store.liveAddresses().filter((r) => r.url === input.url);
    for (const ref of refs) this.fire(this.payload(ref.task, ref.url, state));
    return { url: input.url, ...state, liveIn: refs.length };
  }

  /** Sends one callback now, as given, and waits for its delivery (with retries). */
  async sendCallback(input: {
    appid: bigint;
    roomid: string;
    taskid?: string | undefined;
    uid?: string | undefined;
    url: string;
    status: number;
    errcode?: number | undefined;
    description?: string | undefined;
    version?: bigint | undefined;
  }): Promise<DeliveryResult> {
    if (input.version !== undefined) this.versions.observe(input.version);
    const sourceTask = input.uid === undefined ? undefined : this.store.find({ appid: input.appid, roomid: input.roomid, streamtype: 2, uid: input.uid });
    const payload: CallbackPayload = {
      url: input.url,
      ...appAndStreamName(input.url),
      appid: input.appid,
      roomid: input.roomid,
      taskid: input.taskid ?? sourceTask?.callbackTaskid ?? '',
      status: input.status,
      version: input.version ?? this.versions.next(),
      errcode: input.errcode ?? 0,
      description: input.description ?? '',
    };
    if (this.sender === undefined) {
      return { delivered: false, attempts: 0, httpStatus: null, error: 'no callback URL configured', url: redactUrl(payload.url), status: payload.status, version: payload.version.toString(), at: this.now().toISOString() };
    }
    this.lastVersions.set(payload.url, payload.version);
    return this.sender.deliver(payload);
  }

  /** One round of periodic callbacks: every live address repeats its current 3000-3002 state. */
  tick(): void {
    for (const ref of this.store.liveAddresses()) this.fire(this.payload(ref.task, ref.url, this.stateOf(ref.url)));
  }

  tasks(): TaskView[] {
    return this.store.list().map((task) => ({
      key: task.key,
      kind: task.kind,
      appid: task.appid.toString(),
      roomid: task.roomid,
      taskid: task.taskid ?? null,
      uid: task.uid ?? null,
      callbackTaskid: task.callbackTaskid,
      addresses: task.addresses.map((url) => {
        const terminated = task.terminated.has(url);
        const state = terminated && this.stateOf(url).status !== 3003 ? stoppedState : this.stateOf(url);
        return { url, ...state, terminated, lastVersion: this.lastVersions.get(url)?.toString() ?? null };
      }),
      startedAt: task.startedAt.toISOString(),
      updatedAt: task.updatedAt.toISOString(),
      updateCount: task.updateCount,
      request: toJsonSafe(task.request) as Record<string, unknown>,
    }));
  }

  callbackLog(): CallbackLog {
    return {
      callbackUrl: this.sender?.redactedUrl ?? null,
      stats: this.sender?.stats() ?? { queued: 0, delivered: 0, failedAttempts: 0, dropped: 0, inFlight: 0 },
      recent: this.sender?.recent() ?? [],
    };
  }

  /** Forgets tasks, address states and pending callbacks (versions keep counting upward). */
  reset(): void {
    this.store.reset();
    this.addressStates.clear();
    this.lastVersions.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.sender?.clearRecent();
  }

  async close(): Promise<void> {
    clearInterval(this.periodic);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.sender?.close();
  }

  private stateOf(url: string): AddressState {
    return this.addressStates.get(url) ?? normalState;
  }

  private payload(task: ActiveTask, url: string, state: AddressState): CallbackPayload {
    return {
      url,
      ...appAndStreamName(url),
      appid: task.appid,
      roomid: task.roomid,
      taskid: task.callbackTaskid,
      status: state.status,
      version: this.versions.next(),
      errcode: state.errcode,
      description: state.description,
    };
  }

  /** Sends after the event delay, so the API answer goes out first (as with the real vendor). */
  private later(payloads: readonly CallbackPayload[]): void {
    if (this.sender === undefined || payloads.length === 0) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      for (const p of payloads) this.fire(p);
    }, this.eventDelayMs);
    this.timers.add(timer);
  }

  private fire(payload: CallbackPayload): void {
    if (this.sender === undefined) return;
    this.lastVersions.set(payload.url, payload.version);
    void this.sender.deliver(payload);
  }
}
