// Injected failures for vendor calls: a wrong code, an HTTP error, latency, a hang or a reset, at a
// rate and for a number of hits, optionally after carrying the call out (a lost or late answer).
// The first registered fault that matches and rolls a hit wins.
import type { z } from 'zod';
import type { VendorEndpointName } from '../jocloud/endpoint.js';
import type { Fault, FaultMatch, faultSpecSchema } from './control-api.js';

type FaultInput = z.output<typeof faultSpecSchema>;

/** What a fault can be matched against: the endpoint, the body's names, the calling instance. */
export interface FaultTarget {
  readonly endpoint: VendorEndpointName;
  /** The parsed body, if it was JSON. */
  readonly body: unknown;
  readonly instance: string | undefined;
}

export class FaultRegistry {
  private faults: Fault[] = [];
  private nextId = 1;

  constructor(private readonly random: () => number = Math.random) {}

  add(spec: FaultInput): Fault {
    const fault: Fault = {
      id: `fault-${this.nextId++}`,
      endpoint: spec.endpoint ?? null,
      code: spec.code ?? null,
      httpStatus: spec.httpStatus ?? null,
      rate: spec.rate ?? 1,
      latencyMs: spec.latencyMs ?? null,
      hang: spec.hang ?? false,
      reset: spec.reset ?? false,
      carryOut: spec.carryOut ?? false,
      match: spec.match ?? null,
      remaining: spec.count ?? null,
      hits: 0,
    };
    this.faults.push(fault);
    return { ...fault };
  }

  /** Picks the fault for this call, if any, and counts the hit. */
  take(target: FaultTarget): Fault | undefined {
    for (const fault of this.faults) {
      if (fault.endpoint !== null && fault.endpoint !== target.endpoint) continue;
      if (fault.remaining === 0) continue;
      if (fault.match !== null && !matches(fault.match, target)) continue;
      // Dice are rolled last, so a fault for another endpoint or task does not consume a roll.
      if (fault.rate < 1 && this.random() >= fault.rate) continue;
      fault.hits++;
      if (fault.remaining !== null) fault.remaining--;
      return { ...fault };
    }
    return undefined;
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clear(): void {
    this.faults = [];
  }
}

function matches(match: FaultMatch, target: FaultTarget): boolean {
  if (match.instance !== undefined && match.instance !== target.instance) return false;
  const body = typeof target.body === 'object' && target.body !== null ? (target.body as Record<string, unknown>) : {};
  for (const field of ['roomid', 'taskid', 'uid'] as const) {
    const wanted = match[field];
    if (wanted !== undefined && body[field] !== wanted) return false;
  }
  return true;
}
