// What the callback side needs to know of its configuration (resolved from flags by
// cli/callback-flags.ts).
export interface CallbackSettings {
  readonly addr: string;
  readonly token: string | undefined;
  readonly allowUnauthenticated: boolean;
  readonly refreshMs: number;
  readonly staleMs: number;
}
