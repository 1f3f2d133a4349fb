// The app's one LiveConnection, started while signed in, and the hooks pages use:
// `useLiveState()` for the badge and `useTopic(topic, onEvent, onCatchUp)` for live data.

import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { refresh } from "../api/client";
import { currentTokens, onSessionChange } from "../api/session";
import type { EventEnvelope } from "../api/types";
import { LiveConnection, socketUrl, type LiveState } from "./socket";

const LiveContext = createContext<LiveConnection | null>(null);

export function LiveProvider({ children }: { children: ReactNode }) {
  const [connection] = useState(
    () =>
      new LiveConnection({
        url: socketUrl(window.location),
        token: () => currentTokens()?.access_token ?? null,
        refresh,
      }),
  );
  useEffect(() => {
    if (currentTokens()) connection.start();
    else connection.stop("signed_out");
    const off = onSessionChange((tokens) => (tokens ? connection.start() : connection.stop("signed_out")));
    return () => {
      off();
      connection.stop();
    };
  }, [connection]);
  return <LiveContext.Provider value={connection}>{children}</LiveContext.Provider>;
}

function useConnection(): LiveConnection {
  const connection = useContext(LiveContext);
  if (!connection) throw new Error("useConnection outside LiveProvider");
  return connection;
}

export function useLiveState(): LiveState {
  const connection = useConnection();
  const [state, setState] = useState<LiveState>(connection.current);
  useEffect(() => connection.onState(setState), [connection]);
  return state;
}

/**
 * Calls `onEvent` for each event on `topic` (null: none), and `onCatchUp` each time the
 * subscription is confirmed (at first and after every reconnect): read the REST state there.
 */
export function useTopic<P>(
  topic: string | null,
  onEvent: (event: EventEnvelope<P>) => void,
  onCatchUp?: () => void,
): void {
  const connection = useConnection();
  const handlers = useRef({ onEvent, onCatchUp });
  handlers.current = { onEvent, onCatchUp };
  useEffect(() => {
    if (!topic) return undefined;
    return connection.subscribe(topic, {
      onEvent: (event) => handlers.current.onEvent(event as EventEnvelope<P>),
      onCatchUp: () => handlers.current.onCatchUp?.(),
    });
  }, [connection, topic]);
}
