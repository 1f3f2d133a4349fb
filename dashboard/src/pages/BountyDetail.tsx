// One bounty: terms, state, assertions and relayed transactions, live on
// `bounty:{id}` (each BountyUpdated re-reads the bounty; the subscription's confirmation too), and
// the wallet-signed actions (bounty/BountyActions.tsx).

import { useCallback, useEffect, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api } from "../api/endpoints";
import type { BountyUpdated, BountyView } from "../api/types";
import { formatDate, formatNxs } from "../components/format";
import { ErrorNotice } from "../components/ui";
import { useTopic } from "../live/LiveContext";
import { BountyActions } from "./bounty/BountyActions";

export function BountyDetailPage() {
  const { id = "" } = useParams();
  const [bounty, setBounty] = useState<BountyView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [lastEvent, setLastEvent] = useState<string | null>(null);
  const load = useCallback(() => {
    api.bounty(id).then(setBounty, setError);
  }, [id]);
  useEffect(load, [load]);
  useTopic<BountyUpdated>(`bounty:${id}`, (event) => {
    setLastEvent(`${event.payload.previous_status} → ${event.payload.status} (${event.payload.cause})`);
    load();
  }, load);

  if (error) return <section><h1>Bounty</h1><ErrorNotice error={error} /><p><Link to="/bounties">Back to the bounties</Link></p></section>;
  if (!bounty) return <section><h1>Bounty</h1><p aria-busy="true">Loading the bounty…</p></section>;
  const artifact = bounty.artifact;
  return (
    <section>
      <h1>Bounty on a {artifact.kind}</h1>
      <p><Link to="/bounties">All bounties</Link></p>
      {lastEvent && <p className="notice" role="status">Updated live: {lastEvent}</p>}
      <dl className="facts">
        <div><dt>Status</dt><dd><span className={`status status-${bounty.status}`}>{bounty.status}</span>{bounty.outcome ? ` — outcome ${bounty.outcome}` : ""}</dd></div>
        <div><dt>Reward</dt><dd>{formatNxs(bounty.reward)}</dd></div>
        <div><dt>Minimum stake</dt><dd>{formatNxs(bounty.min_stake)}</dd></div>
        <div><dt>Assertions close</dt><dd>{formatDate(bounty.assertion_deadline)}</dd></div>
        <div><dt>Reveals close</dt><dd>{formatDate(bounty.reveal_deadline)}</dd></div>
        <div><dt>Commitments</dt><dd>{bounty.commitment_count}</dd></div>
        <div><dt>Reveals</dt><dd>{bounty.reveal_count}</dd></div>
        <div><dt>Artifact</dt><dd><code>{artifact.sha256 ?? artifact.url ?? artifact.address ?? artifact.hash}</code></dd></div>
        <div><dt>Creator</dt><dd><code>{bounty.creator_address}</code></dd></div>
        <div><dt>Posted</dt><dd>{formatDate(bounty.created_at)}</dd></div>
      </dl>
      <h2>Assertions</h2>
      {bounty.assertions && bounty.assertions.length > 0 ? (
        <div className="table-wrap"><table>
          <thead><tr><th scope="col">Analyst</th><th scope="col">Stake</th><th scope="col">Verdict</th><th scope="col">Claimed</th></tr></thead>
          <tbody>{bounty.assertions.map((assertion) => (
            <tr key={assertion.analyst}><td><code>{assertion.analyst}</code></td><td>{formatNxs(assertion.stake)}</td><td>{assertion.verdict ?? "not revealed"}</td><td>{assertion.claimed ? "yes" : "no"}</td></tr>
          ))}</tbody>
        </table></div>
      ) : <p>No analyst has committed yet. Commitments appear here live.</p>}
      <BountyActions bounty={bounty} />
      <h2>Transactions</h2>
      {bounty.transactions && bounty.transactions.length > 0 ? (
        <ul>{bounty.transactions.map((tx) => <li key={tx.id}>{tx.kind}: {tx.status}{tx.tx_hash ? <> (<code>{tx.tx_hash}</code>)</> : ""}{tx.last_error ? ` — ${tx.last_error}` : ""}</li>)}</ul>
      ) : <p>No transactions relayed yet.</p>}
    </section>
  );
}
