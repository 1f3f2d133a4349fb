import { describe, expect, it } from "vitest";
import {
  appendPage,
  createdNotice,
  deliveryOutcome,
  endpointState,
  internalLink,
  kindName,
  markedRead,
  nextUnread,
  prependNotice,
  unreadBadge,
  webhookUrlProblem,
  type Notice,
  type WebhookDelivery,
  type WebhookEndpoint,
} from "./notifications";

const notice = (id: string, read_at?: string): Notice => ({
  id, kind: "analysis.completed", title: `t${id}`, body: "b", data: {}, occurred_at: "2026-12-08T00:00:00Z",
  ...(read_at ? { read_at } : {}),
});

describe("inbox reducers", () => {
  it("prepends a live notice once", () => {
    const list = [notice("a")];
    const next = prependNotice(list, notice("b"));
    expect(next.map((n) => n.id)).toEqual(["b", "a"]);
    expect(prependNotice(next, notice("b"))).toBe(next);
  });
  it("appends an older page without repeats", () => {
    expect(appendPage([notice("c"), notice("b")], [notice("b"), notice("a")]).map((n) => n.id)).toEqual(["c", "b", "a"]);
  });
  it("marks one or every notice read, keeping earlier read times", () => {
    const list = [notice("a"), notice("b", "2026-01-01T00:00:00Z")];
    expect(markedRead(list, "a", "X").map((n) => n.read_at)).toEqual(["X", "2026-01-01T00:00:00Z"]);
    expect(markedRead(list, null, "Y").map((n) => n.read_at)).toEqual(["Y", "2026-01-01T00:00:00Z"]);
  });
  it("counts unread up for new unread notices and down for reads, never negative", () => {
    expect(nextUnread(2, { created: notice("a") })).toBe(3);
    expect(nextUnread(2, { created: notice("a", "X") })).toBe(2);
    expect(nextUnread(2, { read: 1 })).toBe(1);
    expect(nextUnread(1, { read: 5 })).toBe(0);
  });
  it("shows the badge only above zero and caps it", () => {
    expect(unreadBadge(0)).toBe("");
    expect(unreadBadge(7)).toBe("7");
    expect(unreadBadge(100)).toBe("99+");
  });
  it("reads NoticeCreated payloads only", () => {
    expect(createdNotice("NoticeCreated", { user_id: "u", notice: notice("a") })?.id).toBe("a");
    expect(createdNotice("ReputationChanged", { notice: notice("a") })).toBeNull();
    expect(createdNotice("NoticeCreated", { user_id: "u" })).toBeNull();
    expect(createdNotice("NoticeCreated", null)).toBeNull();
  });
  it("links only inside the dashboard", () => {
    expect(internalLink("/analyses/1")).toBe("/analyses/1");
    expect(internalLink("//evil.example")).toBeNull();
    expect(internalLink("https://evil.example")).toBeNull();
    expect(internalLink(undefined)).toBeNull();
  });
  it("names kinds, keeping unknown ones", () => {
    expect(kindName("analysis.completed")).toBe("Analysis completed");
    expect(kindName("new.kind")).toBe("new.kind");
  });
});

describe("webhook words", () => {
  const endpoint: WebhookEndpoint = {
    id: "e", url: "https://x", description: "", event_types: [], enabled: true, disabled_reason: null,
    failing_since: null, previous_secret_until: null, created_at: "", updated_at: "",
  };
  it("says how an endpoint stands", () => {
    expect(endpointState(endpoint)).toBe("Enabled");
    expect(endpointState({ ...endpoint, enabled: false })).toBe("Disabled");
    expect(endpointState({ ...endpoint, enabled: false, disabled_reason: "failing" })).toMatch(/days of failed/);
    expect(endpointState({ ...endpoint, failing_since: "T" })).toBe("Enabled, failing since T");
  });
  it("says how a delivery went", () => {
    const attempt: WebhookDelivery = {
      id: 1, message_id: "m", webhook_id: "w", event_type: "k", attempt: 1, attempted_at: "", delivered: true,
      status_code: 204, error_code: null, latency_ms: 12, response_excerpt: "",
    };
    expect(deliveryOutcome(attempt)).toBe("Delivered (204) in 12 ms");
    expect(deliveryOutcome({ ...attempt, delivered: false, status_code: 500 })).toBe("Refused with HTTP 500");
    expect(deliveryOutcome({ ...attempt, delivered: false, status_code: null, error_code: "timed_out" })).toBe("Failed: timed out");
  });
  it("checks the URL's form before sending", () => {
    expect(webhookUrlProblem(" ")).toMatch(/Enter/);
    expect(webhookUrlProblem("not a url")).toMatch(/not a URL/);
    expect(webhookUrlProblem("ftp://x")).toMatch(/https/);
    expect(webhookUrlProblem("https://hooks.example/nexus")).toBeUndefined();
  });
});
