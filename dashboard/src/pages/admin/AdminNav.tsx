// The administration section's frame. The navigation only appears for the admin role (see
// access.ts); the pages still call the API, which refuses anyone else, and show that refusal.

import type { ReactNode } from "react";
import { Link, NavLink } from "react-router-dom";
import { currentTokens } from "../../api/session";
import { signedInWithMfa } from "./access";
import "../settings/settings.css";
import "./admin.css";

const PAGES = [
  ["/admin/users", "Users and roles"],
  ["/admin/policies", "Policies"],
  ["/admin/audit", "Audit log"],
] as const;

export function AdminFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section>
      <h1>{title}</h1>
      <nav aria-label="Administration" className="subnav">
        <ul>
          {PAGES.map(([to, label]) => (
            <li key={to}>
              <NavLink to={to}>{label}</NavLink>
            </li>
          ))}
        </ul>
      </nav>
      {!signedInWithMfa(currentTokens()?.access_token) && (
        <p className="notice" data-testid="mfa-hint">
          Changing roles and policies needs a session signed in with a second factor (the policies
          refuse it otherwise). <Link to="/settings/mfa">Enrol an authenticator</Link>, then sign in again.
        </p>
      )}
      {children}
    </section>
  );
}
