// Whether to show the administration pages: the roles the access token names, read without
// verifying it. This only hides navigation a person cannot use; the API decides (Cedar, with a
// second factor for administrators), so a forced URL shows the API's refusal.

import { useEffect, useState } from "react";
import { currentTokens, onSessionChange } from "../../api/session";

/** The `roles` claim of an access token, or none when it cannot be read. */
export function rolesOf(token: string | undefined): string[] {
  const payload = token?.split(".")[1];
  if (!payload) return [];
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const roles = (JSON.parse(json) as { roles?: unknown }).roles;
    return Array.isArray(roles) ? roles.filter((role): role is string => typeof role === "string") : [];
  } catch {
    return [];
  }
}

export function useIsAdmin(): boolean {
  const [admin, setAdmin] = useState(() => rolesOf(currentTokens()?.access_token).includes("admin"));
  useEffect(() => onSessionChange((tokens) => setAdmin(rolesOf(tokens?.access_token).includes("admin"))), []);
  return admin;
}
