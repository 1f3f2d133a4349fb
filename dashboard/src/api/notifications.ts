// The notification service through the gateway (services/nexus-notification): the inbox, the
// preferences, followed files and webhook endpoints. Shapes from crates/nexus-proto/src/notification.rs
// and services/nexus-notification/src/routes/webhook_views.rs. The pure functions below keep the
// inbox and the unread count right as live `NoticeCreated` events and reads arrive (tested in
// notifications.test.ts).

import { request } from "./client";

export interface Notice {
  id: string;
  kind: string;
  title: string;
  body: string;
  link?: string;
  data: unknown;
  occurred_at: string;
  read_at?: string;
}

export interface NoticePage {
  notices: Notice[];
  next_cursor?: string;
}

/** `NoticeCreated` on `user:{id}`. */
export interface NoticeCreated {
  user_id: string;
  notice: Notice;
}

export interface KindPreference {
  kind: string;
  in_app: boolean;
  email: boolean;
  webhook: boolean;
  digest: boolean;
  mandatory: boolean;
}

export interface Preferences {
  kinds: KindPreference[];
  follow_uploads?: boolean;
}

export interface FollowView {
  sha256: string;
  via: string;
  followed_at: string;
  verdict?: string;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string;
  event_types: string[];
  enabled: boolean;
  disabled_reason: string | null;
  failing_since: string | null;
  previous_secret_until: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookEndpointCreated {
  endpoint: WebhookEndpoint;
  secret: string;
}

export interface RotatedSecret {
  secret: string;
  previous_secret_until: string;
}

export interface WebhookDelivery {
  id: number;
  message_id: string;
  webhook_id: string;
  event_type: string;
  attempt: number;
  attempted_at: string;
  delivered: boolean;
  status_code: number | null;
  error_code: string | null;
  latency_ms: number;
  response_excerpt: string;
}

interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Every kind, in the service's order (NoticeKind::ALL), with words for people. */
export const KIND_NAMES: Record<string, string> = {
  "analysis.completed": "Analysis completed",
  "bounty.opened": "Bounty opened that matches your interests",
  "bounty.activity": "Activity on your bounty",
  "bounty.resolved": "Bounty resolved",
  "reward.claimable": "Reward claimable",
  "reward.claimed": "Reward claimed",
  "stake.slashed": "Stake slashed",
  "reputation.changed": "Reputation changed",
  "trust_level.changed": "Trust level changed",
  "referral.completed": "Referral completed",
  "file.verdict_changed": "Verdict changed on a followed file",
  "account.security": "Account security",
  "webhook.disabled": "Webhook endpoint disabled",
};
export const KINDS = Object.keys(KIND_NAMES);

export function kindName(kind: string): string {
  return KIND_NAMES[kind] ?? kind;
}

export const notificationApi = {
  list: (query: { cursor?: string; unread?: boolean; limit?: number }) =>
    request<NoticePage>("/notifications", {
      query: { cursor: query.cursor, limit: query.limit, unread: query.unread ? "true" : undefined },
    }),
  unreadCount: () => request<{ unread: number }>("/notifications/unread-count"),
  markRead: (id: string) => request<Notice>(`/notifications/${encodeURIComponent(id)}/read`, { method: "POST" }),
  markAllRead: () => request<{ marked: number }>("/notifications/read-all", { method: "POST" }),
  preferences: () => request<Preferences>("/notifications/preferences"),
  savePreferences: (body: Preferences) => request<Preferences>("/notifications/preferences", { method: "PUT", body }),
  follow: (sha256: string) => request<FollowView>(`/files/${encodeURIComponent(sha256)}/follow`),
  startFollowing: (sha256: string) => request<FollowView>(`/files/${encodeURIComponent(sha256)}/follow`, { method: "POST" }),
  stopFollowing: (sha256: string) => request<void>(`/files/${encodeURIComponent(sha256)}/follow`, { method: "DELETE" }),
};

const ENDPOINTS = "/webhooks/endpoints";
const endpointPath = (id: string) => `${ENDPOINTS}/${encodeURIComponent(id)}`;

export const webhookApi = {
  endpoints: () => request<Page<WebhookEndpoint>>(ENDPOINTS, { query: { limit: 100 } }),
  create: (body: { url: string; description: string; event_types: string[] }) =>
    request<WebhookEndpointCreated>(ENDPOINTS, { method: "POST", body }),
  update: (id: string, body: { enabled?: boolean }) => request<WebhookEndpoint>(endpointPath(id), { method: "PATCH", body }),
  remove: (id: string) => request<void>(endpointPath(id), { method: "DELETE" }),
  rotate: (id: string) => request<RotatedSecret>(`${endpointPath(id)}/rotate-secret`, { method: "POST" }),
  deliveries: (id: string) => request<Page<WebhookDelivery>>(`${endpointPath(id)}/deliveries`, { query: { limit: 20 } }),
  replay: (messageId: string) =>
    request<void>(`/webhooks/messages/${encodeURIComponent(messageId)}/replay`, { method: "POST" }),
};

/** The inbox with a live notice on top; a notice already shown (the page re-read it) is not repeated. */
export function prependNotice(list: Notice[], notice: Notice): Notice[] {
  if (list.some((item) => item.id === notice.id)) return list;
  return [notice, ...list];
}

/** The inbox with the next (older) page appended, skipping notices already shown. */
export function appendPage(list: Notice[], page: Notice[]): Notice[] {
  const seen = new Set(list.map((item) => item.id));
  return [...list, ...page.filter((item) => !seen.has(item.id))];
}

/** The inbox after one notice (`id`) or every notice (`id` null) was marked read at `at`. */
export function markedRead(list: Notice[], id: string | null, at: string): Notice[] {
  return list.map((item) => ((id === null || item.id === id) && !item.read_at ? { ...item, read_at: at } : item));
}

/** The unread count after an event: +1 for a new unread notice, -n for reads, never below 0. */
export function nextUnread(count: number, change: { created?: Notice; read?: number }): number {
  let next = count;
  if (change.created && !change.created.read_at) next += 1;
  if (change.read) next -= change.read;
  return Math.max(0, next);
}

/** The badge text: nothing at 0, "99+" above 99. */
export function unreadBadge(count: number): string {
  if (count <= 0) return "";
  return count > 99 ? "99+" : String(count);
}

/** The payload of a live event when it is a NoticeCreated with a notice, else null. */
export function createdNotice(name: string, payload: unknown): Notice | null {
  if (name !== "NoticeCreated" || typeof payload !== "object" || payload === null) return null;
  const notice = (payload as Partial<NoticeCreated>).notice;
  return notice && typeof notice.id === "string" ? notice : null;
}

/** A dashboard link is followed inside the app; anything else is not shown as a link. */
export function internalLink(link: string | undefined): string | null {
  return link && link.startsWith("/") && !link.startsWith("//") ? link : null;
}

/** How an endpoint stands, in words. */
export function endpointState(endpoint: WebhookEndpoint): string {
  if (!endpoint.enabled) {
    return endpoint.disabled_reason === "failing"
      ? "Disabled by the platform after days of failed deliveries; enable it once it answers again."
      : "Disabled";
  }
  return endpoint.failing_since ? `Enabled, failing since ${endpoint.failing_since}` : "Enabled";
}

/** One delivery attempt's outcome, in words. */
export function deliveryOutcome(attempt: WebhookDelivery): string {
  if (attempt.delivered) return `Delivered (${attempt.status_code ?? "2xx"}) in ${attempt.latency_ms} ms`;
  if (attempt.status_code !== null) return `Refused with HTTP ${attempt.status_code}`;
  return `Failed: ${(attempt.error_code ?? "unknown").replaceAll("_", " ")}`;
}

/** What a URL field lacks before it is sent (the service checks the rest). */
export function webhookUrlProblem(text: string): string | undefined {
  const value = text.trim();
  if (!value) return "Enter the URL that should receive the messages.";
  try {
    const url = new URL(value);
    if (url.protocol !== "https:" && url.protocol !== "http:") return "Use an https:// (or http://) address.";
  } catch {
    return "This is not a URL. Write it in full, e.g. https://example.com/hooks/nexus.";
  }
  return undefined;
}
