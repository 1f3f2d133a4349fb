// The report page's "Verdict" panel: the consensus of the analysts' revealed assertions on a file
// (GET /v1/files/{sha256}/verdict), each with the weight it counted. A 404 verdict_not_found is
// the ordinary case of a file no bounty judged, said in words rather than as an error.

import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { ApiError } from "../api/errors";
import { formatScore, reputationApi, type FileVerdict } from "../api/reputation";
import { shortHash } from "../components/format";
import { ErrorNotice } from "../components/ui";
import "./reputation.css";

function percent(value: number): string {
  return `${Math.round(value * 100)} %`;
}

export function VerdictPanel({ sha256 }: { sha256: string }) {
  const [verdict, setVerdict] = useState<FileVerdict | null>(null);
  const [state, setState] = useState<"loading" | "none" | "ready" | "error">("loading");
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let cancelled = false;
    setState("loading");
    reputationApi.verdict(sha256).then(
      (next) => {
        if (cancelled) return;
        setVerdict(next);
        setState("ready");
      },
      (caught: unknown) => {
        if (cancelled) return;
        if (caught instanceof ApiError && caught.code === "verdict_not_found") {
          setState("none");
        } else {
          setError(caught);
          setState("error");
        }
      },
    );
    return () => {
      cancelled = true;
    };
  }, [sha256]);

  return (
    <section className="verdict-panel" aria-labelledby="verdict-panel-title" data-testid="verdict-panel">
      <h2 id="verdict-panel-title">Verdict</h2>
      {state === "loading" && <p aria-busy="true">Reading the analysts' verdict…</p>}
      {state === "none" && <p>No bounty has judged this file yet. <Link to="/bounties/new">Post a bounty</Link> to have analysts judge it.</p>}
      {state === "error" && <ErrorNotice error={error} />}
      {state === "ready" && verdict && (
        <>
          <p>
            <span className={`verdict verdict-${verdict.label}`}>{verdict.label}</span>{" "}
            with {percent(verdict.confidence)} confidence (malicious: {percent(verdict.malicious_probability)}), weighing
            each analyst by their reputation for {verdict.file_type} files.
            {verdict.engine_hint ? ` The engine's hint (${verdict.engine_hint.label}, ${verdict.engine_hint.confidence} %) counted ${verdict.engine_hint.weight.toFixed(2)}.` : ""}
          </p>
          {verdict.assertions.length > 0 && (
            <div className="table-wrap">
              <table>
                <caption className="sr-only">Assertions behind the verdict</caption>
                <thead>
                  <tr><th scope="col">Analyst</th><th scope="col">Verdict</th><th scope="col">Confidence</th><th scope="col">Reputation</th><th scope="col">Weight</th><th scope="col">Bounty</th></tr>
                </thead>
                <tbody>
                  {verdict.assertions.map((item) => (
                    <tr key={`${item.analyst}-${item.bounty_id}`}>
                      <td>
                        {item.user_id ? (
                          <Link to={`/analysts/${encodeURIComponent(item.user_id)}`}><code>{shortHash(item.analyst, 6)}</code></Link>
                        ) : (
                          <code title={item.analyst}>{shortHash(item.analyst, 6)}</code>
                        )}
                      </td>
                      <td>{item.verdict}</td>
                      <td>{item.confidence} %</td>
                      <td>{item.reputation.trust_level}, {formatScore(item.reputation.score)} points</td>
                      <td>
                        {item.effective_weight.toFixed(2)}
                        {item.cluster_size > 1 ? ` (${item.base_weight.toFixed(2)} shared by ${item.cluster_size})` : ""}
                      </td>
                      <td><Link to={`/bounties/chain/${item.bounty_id}`}>#{item.bounty_id}</Link></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
