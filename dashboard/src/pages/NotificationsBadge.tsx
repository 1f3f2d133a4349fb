// The unread count beside the Notifications nav link: read on load and whenever the live
// subscription to `user:{id}` is confirmed, +1 on each unread NoticeCreated, and read again when
// the inbox page says it marked notices read (the `READ_EVENT` window event).

import { useCallback, useEffect, useState } from "react";
import { createdNotice, nextUnread, notificationApi, unreadBadge } from "../api/notifications";
import { currentTokens, subjectOf } from "../api/session";
import { useTopic } from "../live/LiveContext";
import "./notifications.css";

/** Dispatched on `window` by the inbox after marking notices read. */
export const READ_EVENT = "nexus:notices-read";

export function ownTopic(): string | null {
  const token = currentTokens()?.access_token;
  const id = token ? subjectOf(token) : undefined;
  return id ? `user:${id}` : null;
}

export function UnreadBadge() {
  const [count, setCount] = useState(0);
  const load = useCallback(() => {
    notificationApi.unreadCount().then((answer) => setCount(answer.unread), () => undefined);
  }, []);
  useEffect(() => {
    load();
    window.addEventListener(READ_EVENT, load);
    return () => window.removeEventListener(READ_EVENT, load);
  }, [load]);
  useTopic(ownTopic(), (event) => {
    const notice = createdNotice(event.name, event.payload);
    if (notice) setCount((old) => nextUnread(old, { created: notice }));
  }, load);
  const text = unreadBadge(count);
  if (!text) return null;
  return (
    <span className="badge unread" data-testid="unread-badge" aria-label={`${count} unread`}>
      {text}
    </span>
  );
}
