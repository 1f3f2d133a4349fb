// The leaderboard (GET /v1/leaderboards): period and file type in the address (shareable), rank,
// analyst, points and trust level, the caller's own rank highlighted (or shown under the table
// when outside it). Re-read on every event of the live `leaderboard` topic and when the
// subscription is confirmed. The board has no names or levels, so each shown account's public
// profile and reputation are read once and kept while the page is open.

import { useCallback, useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import {
  FILE_TYPES,
  LEADERBOARD_PERIODS,
  formatScore,
  ordinal,
  ownRankText,
  ownRowShown,
  reputationApi,
  type FileType,
  type Leaderboard,
  type LeaderboardEntry,
  type LeaderboardPeriod,
  type TrustLevel,
  type TrustLevelChanged,
} from "../api/reputation";
import type { EventEnvelope } from "../api/types";
import { useSignedIn } from "../App";
import { formatDate } from "../components/format";
import { EmptyState, ErrorNotice } from "../components/ui";
import { useTopic } from "../live/LiveContext";
import "./reputation.css";

const PERIOD_NAMES: Record<LeaderboardPeriod, string> = { week: "This week", month: "This month", all: "All time" };

function pick<T extends string>(value: string | null, allowed: readonly T[]): T | undefined {
  return allowed.find((item) => item === value);
}

interface Analyst {
  name?: string;
  trust?: TrustLevel;
}

export function LeaderboardPage() {
  const [params, setParams] = useSearchParams();
  const period = pick<LeaderboardPeriod>(params.get("period"), LEADERBOARD_PERIODS) ?? "all";
  const kind = pick<FileType>(params.get("kind"), FILE_TYPES);
  const signedIn = useSignedIn();
  const [board, setBoard] = useState<Leaderboard | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [analysts, setAnalysts] = useState<Record<string, Analyst>>({});

  const load = useCallback(() => {
    setLoading(true);
    reputationApi.leaderboard({ period, kind, limit: 20 }).then(
      (next) => {
        setBoard(next);
        setError(null);
        setLoading(false);
      },
      (caught: unknown) => {
        setError(caught);
        setLoading(false);
      },
    );
  }, [period, kind]);
  useEffect(load, [load]);
  useTopic<TrustLevelChanged>("leaderboard", (event: EventEnvelope<TrustLevelChanged>) => {
    if (event.name === "TrustLevelChanged") {
      // The account's level is its best wallet's: re-read it rather than trust this one wallet.
      setAnalysts((old) => {
        const next = { ...old };
        delete next[event.payload.user_id];
        return next;
      });
    }
    load();
  }, load);

  // Names and trust levels of the shown accounts not read yet; a failure leaves the id shown.
  const rows: LeaderboardEntry[] = board ? [...board.entries, ...(board.me && !ownRowShown(board) ? [board.me] : [])] : [];
  const missing = rows.map((row) => row.user_id).filter((id) => !(id in analysts));
  const missingKey = missing.join(",");
  useEffect(() => {
    if (!missingKey) return;
    const ids = missingKey.split(",");
    setAnalysts((old) => ({ ...old, ...Object.fromEntries(ids.map((id) => [id, old[id] ?? {}])) }));
    for (const id of ids) {
      reputationApi.profile(id).then(
        (profile) => setAnalysts((old) => ({ ...old, [id]: { ...old[id], name: profile.display_name || profile.username } })),
        () => undefined,
      );
      reputationApi.reputation(id).then(
        (view) => setAnalysts((old) => ({ ...old, [id]: { ...old[id], trust: view.trust_level } })),
        () => undefined,
      );
    }
  }, [missingKey]);

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next);
  };
  const me = board?.me ?? null;

  return (
    <section className="leaderboard">
      <h1>Leaderboard</h1>
      <form className="filters" onSubmit={(event) => event.preventDefault()} aria-label="Choose the board">
        <label>
          Period
          <select value={period} onChange={(event) => setFilter("period", event.target.value === "all" ? "" : event.target.value)}>
            {LEADERBOARD_PERIODS.map((item) => <option key={item} value={item}>{PERIOD_NAMES[item]}</option>)}
          </select>
        </label>
        <label>
          File type
          <select value={kind ?? ""} onChange={(event) => setFilter("kind", event.target.value)}>
            <option value="">Every type</option>
            {FILE_TYPES.map((item) => <option key={item} value={item}>{item}</option>)}
          </select>
        </label>
      </form>
      <ErrorNotice error={error} />
      {board && (
        <p className="own-rank" data-testid="own-rank" aria-live="polite">
          {ownRankText(board, signedIn)}
          {board.starts_at ? ` The period began ${formatDate(board.starts_at)} (UTC).` : ""}
        </p>
      )}
      {loading && !board ? (
        <p aria-busy="true">Loading the leaderboard…</p>
      ) : board && board.entries.length === 0 ? (
        <EmptyState title="Nobody is ranked yet">
          <p>
            {period !== "all" || kind
              ? "No assertion settled in this period and file type. Choose all time or every type, or come back later."
              : "Ranks appear when the first bounties settle."}{" "}
            Earn points by answering <Link to="/bounties">open bounties</Link>; the board updates live.
          </p>
        </EmptyState>
      ) : board ? (
        <div className="table-wrap">
          <table data-testid="leaderboard">
            <caption className="sr-only">
              {PERIOD_NAMES[period]}, {kind ?? "every file type"}: {board.total} ranked accounts
            </caption>
            <thead>
              <tr><th scope="col">Rank</th><th scope="col">Analyst</th><th scope="col">Points</th><th scope="col">Trust level</th></tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const own = me?.user_id === row.user_id;
                const analyst = analysts[row.user_id] ?? {};
                return (
                  <tr key={`${row.rank}-${row.user_id}`} className={own ? "own-row" : undefined} aria-current={own ? "true" : undefined}>
                    <th scope="row">{ordinal(row.rank)}</th>
                    <td>
                      <Link to={`/analysts/${encodeURIComponent(row.user_id)}`}>{analyst.name ?? `${row.user_id.slice(0, 8)}…`}</Link>
                      {own && <span> (you)</span>}
                    </td>
                    <td>{formatScore(row.score)}</td>
                    <td>{analyst.trust ? <span className={`trust trust-${analyst.trust}`}>{analyst.trust}</span> : "—"}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
