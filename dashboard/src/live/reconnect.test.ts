import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Backoff, actionAfterClose } from "./reconnect";
import { LiveConnection, socketUrl, type LiveState } from "./socket";

describe("Backoff", () => {
  it("grows exponentially up to the cap, with jitter below the ceiling", () => {
    const backoff = new Backoff({ initialMs: 500, maxMs: 4000, factor: 2 }, () => 1);
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([
      500, 1000, 2000, 4000, 4000,
    ]);
    const jittered = new Backoff({ initialMs: 500, maxMs: 4000, factor: 2 }, () => 0.5);
    expect(jittered.next()).toBe(250);
  });

  it("never waits 0 ms and starts over after a success", () => {
    const backoff = new Backoff({ initialMs: 500, maxMs: 4000, factor: 2 }, () => 0);
    expect(backoff.next()).toBe(50);
    backoff.next();
    expect(backoff.attempts).toBe(2);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
  });
});

describe("close codes", () => {
  it("retries network drops, refreshes an expired token, stops on a refused credential", () => {
    expect(actionAfterClose(1006)).toBe("retry");
    expect(actionAfterClose(1001)).toBe("retry");
    expect(actionAfterClose(4008)).toBe("retry");
    expect(actionAfterClose(4002)).toBe("refresh_then_retry");
    expect(actionAfterClose(4001)).toBe("stop");
    expect(actionAfterClose(4003)).toBe("stop");
  });
});

/** A WebSocket stand-in the test drives as the server would. */
class FakeSocket {
  static opened: FakeSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: string }) => void) | null = null;
  onclose: ((close: { code: number }) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.opened.push(this);
  }

  send(text: string) {
    this.sent.push(JSON.parse(text));
  }

  close() {
    this.readyState = 3;
  }

  // Server side.
  accept() {
    this.readyState = 1;
    this.onopen?.();
  }

  push(message: object) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

describe("LiveConnection", () => {
  let states: LiveState[];
  let token: string | null;
  let refreshes: number;

  const connect = () => {
    const connection = new LiveConnection({
      url: "ws://gateway/ws",
      token: () => token,
      refresh: async () => {
        refreshes += 1;
        token = "fresh";
        return true;
      },
      backoff: new Backoff({ initialMs: 1000, maxMs: 8000, factor: 2 }, () => 1),
      socketFactory: (url) => new FakeSocket(url) as unknown as WebSocket,
    });
    connection.onState((state) => states.push(state));
    return connection;
  };

  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.opened = [];
    states = [];
    token = "first";
    refreshes = 0;
  });
  afterEach(() => vi.useRealTimers());

  it("signs in with the token as its first message and subscribes once signed in", () => {
    const connection = connect();
    const events: unknown[] = [];
    connection.subscribe("bounties", { onEvent: (event) => events.push(event) });
    connection.start();
    const socket = FakeSocket.opened[0]!;
    socket.accept();
    expect(socket.sent).toEqual([{ type: "auth", data: { token: "first" } }]);
    socket.push({ type: "auth_success", user_id: "u", session_id: "s" });
    expect(socket.sent[1]).toEqual({ type: "subscribe", topic: "bounties" });
    socket.push({ type: "event", topic: "bounties", event: { id: "e1", name: "BountyUpdated", payload: {} } });
    socket.push({ type: "event", topic: "other", event: { id: "e2" } });
    expect(events).toEqual([{ id: "e1", name: "BountyUpdated", payload: {} }]);
    expect(states).toEqual(["offline", "connecting", "live"]);
  });

  it("reconnects after a drop with growing delays, resubscribes and catches up over REST", () => {
    const connection = connect();
    let catchUps = 0;
    connection.subscribe("analysis:a1", { onEvent: () => undefined, onCatchUp: () => (catchUps += 1) });
    connection.start();
    const first = FakeSocket.opened[0]!;
    first.accept();
    first.push({ type: "auth_success" });
    first.push({ type: "subscribed", topic: "analysis:a1" });
    expect(catchUps).toBe(1);

    first.drop();
    expect(connection.current).toBe("reconnecting");
    vi.advanceTimersByTime(999);
    expect(FakeSocket.opened).toHaveLength(1);
    vi.advanceTimersByTime(1);
    const second = FakeSocket.opened[1]!;
    second.drop(); // refused before opening: the next wait doubles
    vi.advanceTimersByTime(1999);
    expect(FakeSocket.opened).toHaveLength(2);
    vi.advanceTimersByTime(1);
    const third = FakeSocket.opened[2]!;
    third.accept();
    third.push({ type: "auth_success" });
    expect(third.sent).toContainEqual({ type: "subscribe", topic: "analysis:a1" });
    third.push({ type: "subscribed", topic: "analysis:a1" });
    expect(catchUps).toBe(2);
    expect(connection.current).toBe("live");

    // A success resets the backoff: the next drop waits the first delay again.
    third.drop();
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.opened).toHaveLength(4);
  });

  it("refreshes the token after 'token expired' and stops after a revoked session", async () => {
    const connection = connect();
    connection.start();
    const first = FakeSocket.opened[0]!;
    first.accept();
    first.push({ type: "auth_success" });
    first.drop(4002);
    await vi.advanceTimersByTimeAsync(1000);
    expect(refreshes).toBe(1);
    const second = FakeSocket.opened[1]!;
    second.accept();
    expect(second.sent[0]).toEqual({ type: "auth", data: { token: "fresh" } });
    second.drop(4003);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.opened).toHaveLength(2);
    expect(connection.current).toBe("signed_out");
  });

  it("does not connect without a token, and unsubscribes when the last subscriber leaves", () => {
    token = null;
    const idle = connect();
    idle.start();
    expect(FakeSocket.opened).toHaveLength(0);
    expect(idle.current).toBe("signed_out");

    token = "t";
    const connection = connect();
    connection.start();
    const socket = FakeSocket.opened[0]!;
    socket.accept();
    socket.push({ type: "auth_success" });
    const leave = connection.subscribe("bounty:7", { onEvent: () => undefined });
    const leaveToo = connection.subscribe("bounty:7", { onEvent: () => undefined });
    leave();
    expect(socket.sent.filter((message) => message.type === "unsubscribe")).toHaveLength(0);
    leaveToo();
    expect(socket.sent.at(-1)).toEqual({ type: "unsubscribe", topic: "bounty:7" });
  });

  it("uses wss on https pages", () => {
    expect(socketUrl({ protocol: "https:", host: "nexus.example" })).toBe("wss://nexus.example/ws");
    expect(socketUrl({ protocol: "http:", host: "127.0.0.1:8080" })).toBe("ws://127.0.0.1:8080/ws");
  });
});
