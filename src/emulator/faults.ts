// Injected failures for vendor calls: a wrong code, an HTTP error, latency, a hang or a reset, at a
// rate and for a number of hits. The first registered fault that matches and rolls a hit wins.
import type { z } from 'zod';
import type { VendorEndpointName } from '../jocloud/endpoint.js';
import type { Fault, faultSpecSchema } from './control-api.js';

type FaultInput = z.output<typeof faultSpecSchema>;

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
      remaining: spec.count ?? null,
      hits: 0,
    };
    this.faults.push(fault);
    return { ...fault };
  }

  /** Picks the fault for this call, if any, and counts the hit. */
  take(endpoint: VendorEndpointName): Fault | undefined {
    for (const fault of this.faults) {
      if (fault.endpoint !== null && fault.endpoint !== endpoint) continue;
      if (fault.remaining === 0) continue;
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
