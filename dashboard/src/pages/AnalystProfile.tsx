// An analyst's public profile (/analysts/:userId): trust level and what it unlocks, the points
// overall, per file type and per family (GET /v1/reputation/{id}), and the score over time from
// the history (GET /v1/reputation/{id}/history, newest first, cursor pages behind "Load more"),
// drawn oldest first per wallet. Follows `user:{id}`: a ReputationChanged or TrustLevelChanged
// re-reads the reputation and the history's first page.

import { useCallback, useEffect, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { ApiError } from "../api/errors";
import {
  accuracyText,
  formatDelta,
  formatScore,
  historyChart,
  reputationApi,
  unlockLines,
  type HistoryPage,
  type ReputationView,
  type ScoreBreakdown,
} from "../api/reputation";
import type { PublicProfile } from "../api/types";
import { LineChart } from "../components/charts";
import { formatDate, shortHash } from "../components/format";
import { EmptyState, ErrorNotice } from "../components/ui";
import { useTopic } from "../live/LiveContext";
import "./reputation.css";

const SERIES_COLORS = ["#1d4ed8", "#15803d", "#b45309", "#7e22ce", "#b91c1c", "#0f766e"];

export function AnalystProfilePage() {
  const { userId = "" } = useParams();
  const [view, setView] = useState<ReputationView | null>(null);
  const [profile, setProfile] = useState<PublicProfile | null>(null);
  const [pages, setPages] = useState<HistoryPage[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [historyError, setHistoryError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  // Another analyst's page: nothing of the previous one stays on screen.
  useEffect(() => {
    setView(null);
    setPages([]);
    setError(null);
    setHistoryError(null);
  }, [userId]);

  const load = useCallback(() => {
    reputationApi.reputation(userId).then(
      (next) => {
        setView(next);
        setError(null);
      },
      setError,
    );
    reputationApi.history(userId).then(
      (page) => {
        setPages([page]);
        setHistoryError(null);
      },
      setHistoryError,
    );
  }, [userId]);
  useEffect(load, [load]);
  useEffect(() => {
    reputationApi.profile(userId).then(setProfile, () => setProfile(null));
  }, [userId]);
  useTopic(userId ? `user:${userId}` : null, (event) => {
    if (event.name === "ReputationChanged" || event.name === "TrustLevelChanged") load();
  }, load);

  const more = () => {
    const cursor = pages.at(-1)?.next_cursor;
    if (!cursor) return;
    setLoadingMore(true);
    reputationApi.history(userId, cursor).then(
      (page) => {
        setPages((old) => [...old, page]);
        setLoadingMore(false);
      },
      (caught: unknown) => {
        setHistoryError(caught);
        setLoadingMore(false);
      },
    );
  };

  const name = profile ? profile.display_name || profile.username : `Analyst ${userId.slice(0, 8)}…`;
  const notFound = error instanceof ApiError && error.code === "reputation_not_found";
  if (error && !notFound) return <section><h1>{name}</h1><ErrorNotice error={error} /></section>;
  if (notFound) {
    return (
      <section>
        <h1>{name}</h1>
        <EmptyState title="No reputation yet">
          <p>This account has no settled assertions, so it has no reputation yet. Reputation grows as bounties it answered settle; see the <Link to="/leaderboard">leaderboard</Link> for ranked analysts.</p>
        </EmptyState>
      </section>
    );
  }
  if (!view) return <section><h1>{name}</h1><p aria-busy="true">Loading the profile…</p></section>;

  const entries = pages.flatMap((page) => page.entries);
  const chart = historyChart(entries);
  return (
    <section className="profile">
      <h1>{name}</h1>
      <dl className="facts">
        <div><dt>Trust level</dt><dd><span className={`trust trust-${view.trust_level}`} data-testid="trust-level">{view.trust_level}</span></dd></div>
        <div><dt>Points</dt><dd>{formatScore(view.score)}</dd></div>
        <div><dt>Skill</dt><dd>{view.skill.toFixed(2)} (from −3 to 1)</dd></div>
        <div><dt>Record</dt><dd>{accuracyText(view.correct, view.assertions)}</dd></div>
        <div><dt>Last change</dt><dd>{formatDate(view.updated_at)}</dd></div>
      </dl>
      <h2>What the {view.trust_level} level unlocks</h2>
      <ul className="unlocks">
        {unlockLines(view.unlocks).map((line) => <li key={line}>{line}</li>)}
      </ul>
      <Breakdown title="By file type" rows={view.by_file_type} empty="No settled assertion on a typed file yet." />
      <Breakdown title="By malware family" rows={view.by_family} empty="No settled assertion on an analysis with a family tag yet." />

      <h2>Score over time</h2>
      <ErrorNotice error={historyError} />
      {entries.length === 0 && !historyError ? (
        <EmptyState title="No history yet">
          <p>Each settled bounty this analyst answered adds a point here.</p>
        </EmptyState>
      ) : entries.length > 0 ? (
        <>
          <LineChart
            title={`Score after each change, oldest first${pages.at(-1)?.next_cursor ? " (older changes not loaded)" : ""}`}
            labels={chart.times.map((time, index) => `${formatDate(time)} #${index + 1}`)}
            series={chart.series.map((series, index) => ({
              label: series.label.startsWith("0x") ? shortHash(series.label, 6) : series.label,
              values: series.values,
              color: SERIES_COLORS[index % SERIES_COLORS.length] as string,
            }))}
          />
          <div className="table-wrap">
            <table data-testid="reputation-history">
              <caption className="sr-only">Reputation changes, newest first</caption>
              <thead>
                <tr><th scope="col">When</th><th scope="col">Bounty</th><th scope="col">Event</th><th scope="col">Outcome</th><th scope="col">Change</th><th scope="col">Score after</th><th scope="col">Wallet</th></tr>
              </thead>
              <tbody>
                {entries.map((entry) => (
                  <tr key={entry.id}>
                    <td>{formatDate(entry.recorded_at)}</td>
                    {/* The contract's bounty id: /bounties/chain/:id finds its page. */}
                    <td><Link to={`/bounties/chain/${entry.bounty_id}`}>#{entry.bounty_id}</Link></td>
                    <td>{entry.reason}</td>
                    <td>{entry.outcome ?? "retracted"}{entry.analyst_outcome ? ` (${entry.analyst_outcome})` : ""}</td>
                    <td className={entry.delta > 0 ? "delta-up" : entry.delta < 0 ? "delta-down" : undefined}>{formatDelta(entry.delta)}</td>
                    <td>{formatScore(entry.score)}</td>
                    <td><code title={entry.analyst}>{shortHash(entry.analyst, 6)}</code></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {pages.at(-1)?.next_cursor && (
            <button type="button" className="secondary" onClick={more} disabled={loadingMore}>
              {loadingMore ? "Loading…" : "Load more"}
            </button>
          )}
        </>
      ) : null}
    </section>
  );
}

function Breakdown({ title, rows, empty }: { title: string; rows: ScoreBreakdown[]; empty: string }) {
  return (
    <>
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p>{empty}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">{title}</caption>
            <thead>
              <tr><th scope="col">{title === "By file type" ? "File type" : "Family"}</th><th scope="col">Points</th><th scope="col">Skill</th><th scope="col">Record</th></tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={`${row.kind ?? ""}-${row.key}`}>
                  <th scope="row">{row.key}{row.kind && row.kind !== "file" ? ` (${row.kind})` : ""}</th>
                  <td>{formatScore(row.score)}</td>
                  <td>{row.skill.toFixed(2)}</td>
                  <td>{accuracyText(row.correct, row.assertions)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
