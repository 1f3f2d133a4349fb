// Bounties: filters in the address (shareable, back button works), cursor pages, live updates on
// `bounties` (the list is re-read when one changes, and when the subscription is confirmed).

import { useCallback, useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { api } from "../api/endpoints";
import {
  ARTIFACT_KINDS,
  BOUNTY_SORTS,
  BOUNTY_STATUSES,
  type ArtifactKind,
  type BountyPage,
  type BountyQuery,
  type BountySort,
  type BountyStatus,
} from "../api/types";
import { formatDate, formatNxs, shortHash } from "../components/format";
import { EmptyState, ErrorNotice } from "../components/ui";
import { useTopic } from "../live/LiveContext";

function pick<T extends string>(value: string | null, allowed: readonly T[]): T | undefined {
  return allowed.find((item) => item === value);
}

export function BountiesPage() {
  const [params, setParams] = useSearchParams();
  const query: BountyQuery = {
    status: pick<BountyStatus>(params.get("status"), BOUNTY_STATUSES),
    artifact_kind: pick<ArtifactKind>(params.get("kind"), ARTIFACT_KINDS),
    sort: pick<BountySort>(params.get("sort"), BOUNTY_SORTS),
    limit: 20,
  };
  const key = JSON.stringify(query);
  const [pages, setPages] = useState<BountyPage[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);

  const load = useCallback(() => {
    setLoading(true);
    api.bounties(JSON.parse(key) as BountyQuery).then(
      (page) => {
        setPages([page]);
        setError(null);
        setLoading(false);
      },
      (caught: unknown) => {
        setError(caught);
        setLoading(false);
      },
    );
  }, [key]);
  useEffect(load, [load]);
  useTopic("bounties", load, load);

  const more = () => {
    const cursor = pages.at(-1)?.next_cursor;
    if (!cursor) return;
    api.bounties({ ...query, cursor }).then((page) => setPages((old) => [...old, page]), setError);
  };
  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next);
  };
  const bounties = pages.flatMap((page) => page.bounties);

  return (
    <section>
      <h1>Bounties</h1>
      <form className="filters" onSubmit={(event) => event.preventDefault()} aria-label="Filter bounties">
        <label>
          Status
          <select value={query.status ?? ""} onChange={(event) => setFilter("status", event.target.value)}>
            <option value="">Any</option>
            {BOUNTY_STATUSES.map((status) => <option key={status} value={status}>{status}</option>)}
          </select>
        </label>
        <label>
          Artifact
          <select value={query.artifact_kind ?? ""} onChange={(event) => setFilter("kind", event.target.value)}>
            <option value="">Any</option>
            {ARTIFACT_KINDS.map((kind) => <option key={kind} value={kind}>{kind}</option>)}
          </select>
        </label>
        <label>
          Order
          <select value={query.sort ?? "newest"} onChange={(event) => setFilter("sort", event.target.value === "newest" ? "" : event.target.value)}>
            <option value="newest">Newest first</option>
            <option value="reward">Highest reward</option>
            <option value="deadline">Nearest deadline</option>
          </select>
        </label>
      </form>
      <ErrorNotice error={error} />
      {loading && bounties.length === 0 ? (
        <p aria-busy="true">Loading bounties…</p>
      ) : bounties.length === 0 && !error ? (
        <EmptyState title="No bounties match">
          <p>{query.status || query.artifact_kind ? "Clear the filters to see every bounty." : "Nobody has posted a bounty yet. Bounties appear here live as they are posted."}</p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table data-testid="bounty-list">
            <caption className="sr-only">Bounties</caption>
            <thead>
              <tr><th scope="col">Artifact</th><th scope="col">Status</th><th scope="col">Reward</th><th scope="col">Commitments</th><th scope="col">Assertions close</th></tr>
            </thead>
            <tbody>
              {bounties.map((bounty) => (
                <tr key={bounty.id}>
                  <td><Link to={`/bounties/${bounty.id}`}>{bounty.artifact.kind} {shortHash(bounty.artifact.sha256 ?? bounty.artifact.url ?? bounty.artifact.address ?? bounty.artifact.hash)}</Link></td>
                  <td><span className={`status status-${bounty.status}`}>{bounty.status}</span></td>
                  <td>{formatNxs(bounty.reward)}</td>
                  <td>{bounty.commitment_count}</td>
                  <td>{formatDate(bounty.assertion_deadline)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages.at(-1)?.next_cursor && <button type="button" className="secondary" onClick={more}>Show more</button>}
    </section>
  );
}
