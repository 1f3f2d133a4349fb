// The settings section's frame: its own navigation (one page per credential kind) beside the page.

import type { ReactNode } from "react";
import { NavLink } from "react-router-dom";
import "./settings.css";

const PAGES = [
  ["/settings/profile", "Profile"],
  ["/settings/wallets", "Wallets"],
  ["/settings/ws-keys", "WebSocket keys"],
  ["/settings/api-keys", "API keys"],
  ["/settings/mfa", "Two-factor authentication"],
  ["/settings/notifications", "Notifications"],
  ["/settings/webhooks", "Webhooks"],
] as const;

export function SettingsFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section>
      <h1>{title}</h1>
      <nav aria-label="Settings" className="subnav">
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
