// The inbox (GET /v1/notifications): newest first, an unread-only filter in the address, mark one
// or all read, "Load older" through the cursor. Live: a NoticeCreated on `user:{id}` puts the
// notice on top (once, even if a re-read already brought it); on each (re)subscription the first
// page is read again so nothing missed while offline is lost.

import { useCallback, useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import {
  appendPage,
  createdNotice,
  internalLink,
  kindName,
  markedRead,
  notificationApi,
  prependNotice,
  type Notice,
} from "../api/notifications";
import { formatDate } from "../components/format";
import { EmptyState, ErrorNotice } from "../components/ui";
import { useTopic } from "../live/LiveContext";
import { READ_EVENT, ownTopic } from "./NotificationsBadge";
import "./notifications.css";

export function NotificationsPage() {
  const [params, setParams] = useSearchParams();
  const unreadOnly = params.get("unread") === "true";
  const [notices, setNotices] = useState<Notice[] | null>(null);
  const [cursor, setCursor] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    notificationApi.list({ unread: unreadOnly }).then(
      (page) => {
        setNotices(page.notices);
        setCursor(page.next_cursor);
        setError(null);
      },
      setError,
    );
  }, [unreadOnly]);
  useEffect(load, [load]);
  useTopic(ownTopic(), (event) => {
    const notice = createdNotice(event.name, event.payload);
    if (notice) setNotices((old) => prependNotice(old ?? [], notice));
  }, load);

  const more = async () => {
    if (!cursor) return;
    setBusy(true);
    try {
      const page = await notificationApi.list({ unread: unreadOnly, cursor });
      setNotices((old) => appendPage(old ?? [], page.notices));
      setCursor(page.next_cursor);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const read = async (id: string | null) => {
    setError(null);
    try {
      if (id) await notificationApi.markRead(id);
      else await notificationApi.markAllRead();
      const at = new Date().toISOString();
      setNotices((old) => {
        const next = markedRead(old ?? [], id, at);
        return unreadOnly ? next.filter((item) => !item.read_at) : next;
      });
      window.dispatchEvent(new Event(READ_EVENT));
    } catch (caught) {
      setError(caught);
    }
  };

  const anyUnread = (notices ?? []).some((item) => !item.read_at);
  return (
    <section className="notifications">
      <h1>Notifications</h1>
      <div className="actions">
        <label>
          <input type="checkbox" checked={unreadOnly}
            onChange={(event) => setParams(event.target.checked ? { unread: "true" } : {})} />
          Unread only
        </label>
        <button type="button" className="secondary" onClick={() => read(null)} disabled={!anyUnread}>
          Mark all read
        </button>
        <Link to="/settings/notifications">Choose what you are told</Link>
      </div>
      <ErrorNotice error={error} />
      {notices === null ? (
        !error && <p aria-busy="true">Loading notifications…</p>
      ) : notices.length === 0 ? (
        <EmptyState title={unreadOnly ? "Nothing unread" : "No notifications yet"}>
          <p>
            {unreadOnly ? "You have read everything. " : ""}Notices arrive here live: when an analysis completes, a bounty
            you take part in moves, a reward can be claimed, or a file you follow gets a new verdict.
          </p>
        </EmptyState>
      ) : (
        <ul className="notice-list" data-testid="notice-list" aria-live="polite">
          {notices.map((notice) => {
            const link = internalLink(notice.link);
            return (
              <li key={notice.id} className={notice.read_at ? "read" : "unread"} data-kind={notice.kind}>
                <h2>
                  {!notice.read_at && <span className="sr-only">Unread: </span>}
                  {link ? <Link to={link}>{notice.title}</Link> : notice.title}
                </h2>
                <p>{notice.body}</p>
                <p className="meta">
                  {kindName(notice.kind)} · <time dateTime={notice.occurred_at}>{formatDate(notice.occurred_at)}</time>
                </p>
                {!notice.read_at && (
                  <button type="button" className="secondary" onClick={() => read(notice.id)}>
                    Mark read<span className="sr-only">: {notice.title}</span>
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {cursor && (
        <button type="button" className="secondary" onClick={more} disabled={busy}>
          {busy ? "Loading…" : "Load older notifications"}
        </button>
      )}
    </section>
  );
}
