// Small building blocks every page uses: errors in words, empty states, labelled fields,
// progress bars, the live connection badge.

import { useId, type InputHTMLAttributes, type ReactNode } from "react";
import { adviseError } from "../api/errors";
import type { LiveState } from "../live/socket";

/** An API (or any) error as a sentence a person can act on; announced to screen readers. */
export function ErrorNotice({ error }: { error: unknown }) {
  if (!error) return null;
  const advice = adviseError(error);
  return (
    <div className="notice notice-error" role="alert">
      <p>{advice.message}</p>
      {advice.reference && <p className="muted">Reference: {advice.reference}</p>}
    </div>
  );
}

/** What to do when there is nothing to show yet. */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      <div>{children}</div>
    </div>
  );
}

interface FieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  error?: string | undefined;
  hint?: string;
}

/** A labelled input with its hint and validation message tied to it for assistive technology. */
export function Field({ label, error, hint, ...input }: FieldProps) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy || undefined} {...input} />
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

export function Progress({ label, value, max }: { label: string; value: number; max: number }) {
  const percent = max > 0 ? Math.min(100, Math.round((value / max) * 100)) : 0;
  return (
    <div className="progress">
      <div className="progress-label">
        <span>{label}</span>
        <span>{percent}%</span>
      </div>
      <progress aria-label={label} value={percent} max={100}>
        {percent}%
      </progress>
    </div>
  );
}

const STATE_TEXT: Record<LiveState, string> = {
  offline: "Offline",
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  signed_out: "Not signed in",
};

/** The WebSocket's state, visible on every page; polite announcements when it changes. */
export function ConnectionBadge({ state }: { state: LiveState }) {
  return (
    <span className={`badge badge-${state}`} role="status" aria-live="polite" data-testid="live-state">
      <span className="dot" aria-hidden="true" />
      {STATE_TEXT[state]}
    </span>
  );
}
