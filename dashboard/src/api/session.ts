// The signed-in session: the token pair from sign-in, kept in sessionStorage (this tab only, gone
// when it closes; never in cookies, the API takes bearer tokens). Listeners hear sign-in and out.

export interface Tokens {
  access_token: string;
  refresh_token: string;
  /** Epoch milliseconds when the access token expires. */
  expires_at: number;
}

const KEY = "nexus.session";
type Listener = (tokens: Tokens | null) => void;
const listeners = new Set<Listener>();

function storage(): Storage | undefined {
  return typeof sessionStorage === "undefined" ? undefined : sessionStorage;
}

export function currentTokens(): Tokens | null {
  const text = storage()?.getItem(KEY);
  if (!text) return null;
  try {
    return JSON.parse(text) as Tokens;
  } catch {
    return null;
  }
}

export function saveTokens(pair: { access_token: string; refresh_token: string; expires_in: number }): Tokens {
  const tokens = {
    access_token: pair.access_token,
    refresh_token: pair.refresh_token,
    expires_at: Date.now() + pair.expires_in * 1000,
  };
  storage()?.setItem(KEY, JSON.stringify(tokens));
  listeners.forEach((listener) => listener(tokens));
  return tokens;
}

export function clearTokens(): void {
  storage()?.removeItem(KEY);
  listeners.forEach((listener) => listener(null));
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The account id (`sub`) of an access token, read without verifying (the API verifies). */
export function subjectOf(token: string): string | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    return (JSON.parse(json) as { sub?: string }).sub;
  } catch {
    return undefined;
  }
}
