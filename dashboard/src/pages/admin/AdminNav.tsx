// The administration section's frame. The navigation only appears for the admin role (see
// access.ts); the pages still call the API, which refuses anyone else, and show that refusal.

import type { ReactNode } from "react";
import { NavLink } from "react-router-dom";
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
      {children}
    </section>
  );
}
