// Administration → audit log (nexus-auth `GET /v1/audit`, newest first): filters by kind and
// subject kept in the address (shareable), and cursor pages: `before` is the last row's id (a
// time-ordered UUIDv7), asked for only after a full page.

import { useCallback, useEffect, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { adminApi } from "../../api/endpoints";
import type { AuditEntry, AuditQuery } from "../../api/types";
import { formatDate } from "../../components/format";
import { EmptyState, ErrorNotice, Field } from "../../components/ui";
import { AdminFrame } from "./AdminNav";
import { nextBefore } from "./policyProblems";

const PAGE = 50;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function detailText(detail: unknown): string {
  if (detail === null || detail === undefined) return "";
  if (typeof detail === "object" && Object.keys(detail).length === 0) return "";
  return JSON.stringify(detail);
}

export function AdminAuditPage() {
  const [params, setParams] = useSearchParams();
  const kind = params.get("kind") ?? "";
  const subject = params.get("subject") ?? "";
  const [form, setForm] = useState({ kind, subject });
  const [problems, setProblems] = useState<{ kind?: string; subject?: string }>({});
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [cursor, setCursor] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(
    (before?: string) => {
      const query: AuditQuery = { kind: kind || undefined, subject: subject || undefined, before, limit: PAGE };
      setError(null);
      adminApi.audit(query).then((page) => {
        setEntries((old) => (before && old ? [...old, ...page.entries] : page.entries));
        setCursor(nextBefore(page.entries, PAGE));
      }, setError);
    },
    [kind, subject],
  );
  useEffect(() => {
    setEntries(null);
    load();
  }, [load]);

  const filter = (event: FormEvent) => {
    event.preventDefault();
    const found: { kind?: string; subject?: string } = {};
    if (form.kind.trim().length > 256) found.kind = "Use at most 256 characters.";
    if (form.subject.trim().length > 256) found.subject = "Use at most 256 characters.";
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    const next = new URLSearchParams();
    if (form.kind.trim()) next.set("kind", form.kind.trim());
    if (form.subject.trim()) next.set("subject", form.subject.trim());
    setParams(next);
  };

  return (
    <AdminFrame title="Audit log">
      <form className="filters" onSubmit={filter} noValidate aria-label="Filter the audit log">
        <Field label="Kind" name="kind" value={form.kind} onChange={(event) => setForm({ ...form, kind: event.target.value })}
          error={problems.kind} placeholder="login_failed" />
        <Field label="Subject" name="subject" value={form.subject}
          onChange={(event) => setForm({ ...form, subject: event.target.value })} error={problems.subject}
          placeholder="an account id, login or key id" />
        <button type="submit">Filter</button>
      </form>
      <ErrorNotice error={error} />
      {entries === null ? (
        !error && <p aria-busy="true">Loading the audit log…</p>
      ) : entries.length === 0 ? (
        <EmptyState title="No audit entries">
          <p>{kind || subject ? "Nothing matches these filters: clear them to see every entry." : "Sign-ins, key changes and policy changes appear here as they happen."}</p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table data-testid="audit-list">
            <caption className="sr-only">Audit entries, newest first</caption>
            <thead><tr><th scope="col">When</th><th scope="col">Kind</th><th scope="col">Actor</th><th scope="col">Subject</th><th scope="col">Address</th><th scope="col">Detail</th></tr></thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td>{formatDate(entry.occurred_at)}</td>
                  <td>{entry.kind}</td>
                  <td>{entry.actor && UUID.test(entry.actor) ? <Link to={`/admin/users?id=${entry.actor}`}><code>{entry.actor}</code></Link> : entry.actor}</td>
                  <td>{entry.subject && UUID.test(entry.subject) ? <Link to={`/admin/users?id=${entry.subject}`}><code>{entry.subject}</code></Link> : entry.subject}</td>
                  <td>{entry.ip}</td>
                  <td><code>{detailText(entry.detail)}</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && <button type="button" className="secondary" onClick={() => load(cursor)}>Show older entries</button>}
    </AdminFrame>
  );
}
