// Whether to show the administration pages: the roles the access token names, read without
// verifying it. This only hides navigation a person cannot use; the API decides (Cedar, with a
// second factor for administrators), so a forced URL shows the API's refusal.

import { useEffect, useState } from "react";
import { currentTokens, onSessionChange } from "../../api/session";

function claimList(token: string | undefined, claim: "roles" | "amr"): string[] {
  const payload = token?.split(".")[1];
  if (!payload) return [];
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const values = (JSON.parse(json) as Record<string, unknown>)[claim];
    return Array.isArray(values) ? values.filter((value): value is string => typeof value === "string") : [];
  } catch {
    return [];
  }
}

/** The `roles` claim of an access token, or none when it cannot be read. */
export function rolesOf(token: string | undefined): string[] {
  return claimList(token, "roles");
}

/** Whether the session passed a second factor (`amr` lists `mfa`), which role and policy changes need. */
export function signedInWithMfa(token: string | undefined): boolean {
  return claimList(token, "amr").includes("mfa");
}

export function useIsAdmin(): boolean {
  const [admin, setAdmin] = useState(() => rolesOf(currentTokens()?.access_token).includes("admin"));
  useEffect(() => onSessionChange((tokens) => setAdmin(rolesOf(tokens?.access_token).includes("admin"))), []);
  return admin;
}
