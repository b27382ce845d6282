// Values handed out from a memo are shared by every caller that asks for the same input; freezing
// them turns a caller's accidental mutation into an immediate TypeError (modules are strict)
// instead of a change every other caller would silently see.

/** Freezes `value` and everything reachable from it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
