// /bounties/chain/:chainId: the reputation history and verdicts name a bounty by the contract's
// id, the bounty pages by the API's UUID, and the bounty API has no lookup by chain id. This page
// reads the listed bounties (newest first, 100 a page, at most MAX_PAGES pages) for the one with
// that chain id and goes to its page; otherwise it says so (private and old bounties are not found).

import { useEffect, useState } from "react";
import { Link, Navigate, useParams } from "react-router-dom";
import { api } from "../api/endpoints";
import { ErrorNotice } from "../components/ui";

const MAX_PAGES = 10;

export function ChainBountyPage() {
  const { chainId = "" } = useParams();
  const [found, setFound] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let cancelled = false;
    const wanted = Number(chainId);
    (async () => {
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const answer = await api.bounties({ limit: 100, cursor });
        const match = answer.bounties.find((bounty) => bounty.chain_bounty_id === wanted);
        if (match) return match.id;
        if (!answer.next_cursor) return null;
        cursor = answer.next_cursor;
      }
      return null;
    })().then(
      (id) => !cancelled && setFound(id),
      (caught: unknown) => !cancelled && setError(caught),
    );
    return () => {
      cancelled = true;
    };
  }, [chainId]);

  if (found) return <Navigate to={`/bounties/${found}`} replace />;
  return (
    <section>
      <h1>Bounty #{chainId}</h1>
      <ErrorNotice error={error} />
      {found === undefined && !error ? (
        <p aria-busy="true">Looking for the bounty…</p>
      ) : found === null ? (
        <p>
          No listed bounty has the chain id {chainId}: it may be private or older than the listed bounties.{" "}
          <Link to="/bounties">See the bounties</Link>.
        </p>
      ) : null}
    </section>
  );
}
