// When to try again after the WebSocket closed: exponential backoff with full jitter, capped, reset
// once a connection stayed signed in. Pure (the clock and the random source are passed in) so the
// tests can check every branch; socket.ts drives it.

export interface BackoffPolicy {
  /** First delay, milliseconds. */
  initialMs: number;
  /** Largest delay, milliseconds. */
  maxMs: number;
  /** Growth per failed attempt. */
  factor: number;
}

export const DEFAULT_POLICY: BackoffPolicy = { initialMs: 500, maxMs: 30_000, factor: 2 };

/** Close codes after which reconnecting with the same credential is pointless. */
export const CLOSE_AUTH_FAILED = 4001;
export const CLOSE_SESSION_EXPIRED = 4002;
export const CLOSE_SESSION_REVOKED = 4003;

export type CloseAction = "retry" | "refresh_then_retry" | "stop";

/** What to do after a close with `code`: 4002 needs a fresh token, 4001/4003 a new sign-in. */
export function actionAfterClose(code: number): CloseAction {
  if (code === CLOSE_SESSION_EXPIRED) return "refresh_then_retry";
  if (code === CLOSE_AUTH_FAILED || code === CLOSE_SESSION_REVOKED) return "stop";
  return "retry";
}

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly policy: BackoffPolicy = DEFAULT_POLICY,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt (and counts it): random in [0, min(max, initial·factorⁿ)]. */
  next(): number {
    const ceiling = Math.min(this.policy.maxMs, this.policy.initialMs * this.policy.factor ** this.attempt);
    this.attempt += 1;
    // Never 0 ms: a server refusing at once must not turn the client into a busy loop.
    return Math.max(50, Math.round(this.random() * ceiling));
  }

  /** Attempts since the last success. */
  get attempts(): number {
    return this.attempt;
  }

  /** After a successful sign-in: the next failure starts from the first delay again. */
  reset(): void {
    this.attempt = 0;
  }
}
