// The verdict of a chaos run: what Kubernetes declares (tasks that exist, are not being deleted
// and are not suspended) against what the vendor is pushing (the emulator's active tasks).
// Pure, so the rules of the verdict are unit-tested (test/unit/chaos-compare.test.ts).

/** An RtmpPushTask as listed from the API: only what the verdict reads. */
export interface ListedTask {
  readonly metadata: { readonly name?: string; readonly deletionTimestamp?: string | Date };
  readonly spec?: {
    readonly appid?: string;
    readonly roomid?: string;
    readonly streamtype?: number;
    readonly taskid?: string;
    readonly uid?: string;
    readonly rtmpurls?: readonly string[];
    readonly suspend?: boolean;
  };
}

/** An emulator task (its control API's TaskView): only what the verdict reads. */
export interface VendorTask {
  readonly kind: 'mixed' | 'source';
  readonly appid: string;
  readonly roomid: string;
  readonly taskid: string | null;
  readonly uid: string | null;
  readonly addresses: ReadonlyArray<{ readonly url: string; readonly terminated: boolean }>;
}

export interface Verdict {
  /** Tasks that should be pushing. */
  readonly declared: number;
  /** Pushes the vendor runs. */
  readonly active: number;
  /** Pushing at the vendor with no task declaring it (deleted, suspended, or an old identity). */
  readonly leaked: readonly string[];
  /** Declared but not pushing. */
  readonly missing: readonly string[];
  /** Pushing under the declared identity but to other addresses than declared. */
  readonly stale: readonly string[];
  /** Tasks still being deleted (the finalizer not released) at the end. */
  readonly hungDeletions: readonly string[];
}

export function isClean(v: Verdict): boolean {
  return v.leaked.length + v.missing.length + v.stale.length + v.hungDeletions.length === 0;
}

/** The vendor's key of a push: appid, room, and taskid (mixed) or uid (source). */
function key(appid: string, roomid: string, mixed: boolean, id: string | null | undefined): string {
  return `${appid}/${roomid}/${mixed ? `taskid=${id ?? '?'}` : `uid=${id ?? '?'}`}`;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

export function compare(tasks: readonly ListedTask[], vendor: readonly VendorTask[], defaultAppid: string): Verdict {
  const declared = new Map<string, { name: string; urls: readonly string[] }>();
  const hungDeletions: string[] = [];
  for (const t of tasks) {
    const name = t.metadata.name ?? '?';
    if (t.metadata.deletionTimestamp !== undefined) {
      hungDeletions.push(name);
      continue;
    }
    const s = t.spec;
    if (s === undefined || s.suspend === true || s.roomid === undefined) continue;
    const mixed = s.streamtype !== 2;
    declared.set(key(s.appid ?? defaultAppid, s.roomid, mixed, mixed ? s.taskid : s.uid), { name, urls: s.rtmpurls ?? [] });
  }
  const leaked: string[] = [];
  const stale: string[] = [];
  const seen = new Set<string>();
  for (const v of vendor) {
    const k = key(v.appid, v.roomid, v.kind === 'mixed', v.kind === 'mixed' ? v.taskid : v.uid);
    const want = declared.get(k);
    if (want === undefined) {
      leaked.push(k);
      continue;
    }
    seen.add(k);
    const live = v.addresses.filter((a) => !a.terminated).map((a) => a.url);
    if (!sameSet(live, want.urls)) stale.push(`${want.name} (${k})`);
  }
  const missing = [...declared].filter(([k]) => !seen.has(k)).map(([k, d]) => `${d.name} (${k})`);
  return { declared: declared.size, active: vendor.length, leaked: leaked.sort(), missing: missing.sort(), stale: stale.sort(), hungDeletions: hungDeletions.sort() };
}
