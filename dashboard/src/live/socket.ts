// One WebSocket to `/ws` for the whole app (docs: crates/nexus-proto/src/ws.rs).
//
// Protocol: the browser cannot set headers on a WebSocket, so it signs in with its first message
// `{"type":"auth","data":{"token":"<access jwt>"}}` (the server greets `auth_required`, answers
// `auth_success`). Then `subscribe` to topics (`bounties`, `bounty:{id}`, `analysis:{id}`,
// `user`, `leaderboard`); events arrive as `{"type":"event","topic","event"}`.
//
// Reconnects with backoff (reconnect.ts); after each reconnect every topic is subscribed again.
// Whenever the server confirms a subscription, its subscribers' `onCatchUp` runs, so pages re-read
// over REST what they may have missed before it (the hub's pub/sub does not replay): events after
// the confirmation arrive live, the state before it comes from the read. The state is observable for the
// connection badge.

import { Backoff, actionAfterClose } from "./reconnect";
import type { EventEnvelope } from "../api/types";

export type LiveState = "offline" | "connecting" | "live" | "reconnecting" | "signed_out";

export interface Subscriber {
  onEvent: (event: EventEnvelope) => void;
  /**
   * Each time the server confirms the subscription (first subscribe and after every reconnect):
   * re-read the page's data over REST; events from then on arrive live, so nothing falls between.
   */
  onCatchUp?: () => void;
}

interface Options {
  url: string;
  /** The current access token, or null when signed out. */
  token: () => string | null;
  /** Asked for a fresh token when the server closed with "token expired" (4002). */
  refresh: () => Promise<boolean>;
  backoff?: Backoff;
  /** The WebSocket constructor (tests pass a fake server's). */
  socketFactory?: (url: string) => WebSocket;
}

export class LiveConnection {
  private socket: WebSocket | null = null;
  private state: LiveState = "offline";
  private readonly topics = new Map<string, Set<Subscriber>>();
  private readonly stateListeners = new Set<(state: LiveState) => void>();
  private readonly backoff: Backoff;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private everSignedIn = false;
  private stopped = true;

  constructor(private readonly options: Options) {
    this.backoff = options.backoff ?? new Backoff();
  }

  get current(): LiveState {
    return this.state;
  }

  onState(listener: (state: LiveState) => void): () => void {
    this.stateListeners.add(listener);
    listener(this.state);
    return () => this.stateListeners.delete(listener);
  }

  /** Opens the connection (no-op when open or opening). */
  start(): void {
    this.stopped = false;
    if (this.socket || this.timer) return;
    this.open();
  }

  /** Closes it for good (sign-out). */
  stop(state: LiveState = "offline"): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, "bye");
    this.everSignedIn = false;
    this.setState(state);
  }

  /** Receives `topic`'s events until the returned function is called. */
  subscribe(topic: string, subscriber: Subscriber): () => void {
    let subscribers = this.topics.get(topic);
    if (!subscribers) {
      subscribers = new Set();
      this.topics.set(topic, subscribers);
      if (this.state === "live") this.send({ type: "subscribe", topic });
    }
    subscribers.add(subscriber);
    return () => {
      const set = this.topics.get(topic);
      if (!set) return;
      set.delete(subscriber);
      if (set.size === 0) {
        this.topics.delete(topic);
        if (this.state === "live") this.send({ type: "unsubscribe", topic });
      }
    };
  }

  private setState(state: LiveState): void {
    if (state === this.state) return;
    this.state = state;
    this.stateListeners.forEach((listener) => listener(state));
  }

  private send(message: object): void {
    if (this.socket?.readyState === 1) this.socket.send(JSON.stringify(message));
  }

  private open(): void {
    const token = this.options.token();
    if (!token) {
      this.setState("signed_out");
      return;
    }
    this.setState(this.everSignedIn ? "reconnecting" : "connecting");
    const factory = this.options.socketFactory ?? ((url: string) => new WebSocket(url));
    const socket = factory(this.options.url);
    this.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ type: "auth", data: { token } }));
    socket.onmessage = (message) => this.receive(String(message.data));
    socket.onclose = (close) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.closed(close.code);
    };
  }

  private receive(text: string): void {
    let message: { type?: string; topic?: string; event?: EventEnvelope };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    switch (message.type) {
      case "auth_success": {
        this.everSignedIn = true;
        this.backoff.reset();
        this.setState("live");
        for (const topic of this.topics.keys()) this.send({ type: "subscribe", topic });
        break;
      }
      case "subscribed": {
        if (message.topic) this.topics.get(message.topic)?.forEach((subscriber) => subscriber.onCatchUp?.());
        break;
      }
      case "event": {
        if (!message.topic || !message.event) return;
        this.topics.get(message.topic)?.forEach((subscriber) => subscriber.onEvent(message.event as EventEnvelope));
        break;
      }
      default:
        break;
    }
  }

  private closed(code: number): void {
    if (this.stopped) return;
    const action = actionAfterClose(code);
    if (action === "stop") {
      this.stop("signed_out");
      return;
    }
    this.setState("reconnecting");
    const delay = this.backoff.next();
    this.timer = setTimeout(async () => {
      this.timer = null;
      if (action === "refresh_then_retry" && !(await this.options.refresh())) {
        this.stop("signed_out");
        return;
      }
      if (!this.stopped) this.open();
    }, delay);
  }
}

/** `ws://` or `wss://` for `/ws` on this page's origin (the CSP allows only the same origin). */
export function socketUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
}
