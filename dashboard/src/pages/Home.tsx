// Home: what happened lately. Four cards, each loading on its own so one failing service leaves
// the others readable, each with an empty state that says what to do.

import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { api } from "../api/endpoints";
import { perDay } from "../api/history";
import type { AnalysisView, BountyView, MyEarnings } from "../api/types";
import { BarChart, DoughnutChart, LineChart, VERDICT_COLORS } from "../components/charts";
import { formatNxs, nxsNumber } from "../components/format";
import { EmptyState, ErrorNotice } from "../components/ui";
import { reputationApi, type ReferralEarnings } from "../api/reputation";
import { currentTokens, subjectOf } from "../api/session";
import { useTopic } from "../live/LiveContext";

const DAYS = 14;

/** A value that loads once and again on `reload()`. */
function useLoad<T>(load: () => Promise<T>) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const reload = useCallback(() => {
    load().then(
      (data) => setState({ data, loading: false }),
      (error: unknown) => setState({ error, loading: false }),
    );
  }, [load]);
  useEffect(reload, [reload]);
  return { ...state, reload };
}

// The account's latest 100 analyses, from any device (GET /v1/analyses).
const loadAnalyses = (): Promise<AnalysisView[]> => api.analyses(100).then((page) => page.analyses);
const loadOpenBounties = () => api.bounties({ status: "open", sort: "newest", limit: 100 });
// Rewards from bounties (nexus-bounty) and referral bonuses (nexus-reputation), side by side;
// the bonuses failing to load leaves the rewards shown.
const loadEarnings = () => {
  const tokens = currentTokens();
  const me = tokens ? subjectOf(tokens.access_token) : undefined;
  return Promise.all([
    api.earnings("day", 30),
    me ? reputationApi.referrals(me).catch(() => undefined) : Promise.resolve(undefined),
  ]).then(([earnings, referrals]) => ({ earnings, referrals }));
};

export function HomePage() {
  const analyses = useLoad(loadAnalyses);
  const bounties = useLoad(loadOpenBounties);
  const earnings = useLoad(loadEarnings);
  // New bounties and state changes arrive live; the list is re-read (and after a reconnect).
  useTopic("bounties", bounties.reload, bounties.reload);

  return (
    <section>
      <h1>Overview</h1>
      <div className="cards">
        <article className="card" aria-labelledby="analyses-title">
          <h2 id="analyses-title">Analyses per day</h2>
          <AnalysesCards loading={analyses.loading} error={analyses.error} views={analyses.data ?? []} />
        </article>
        <article className="card" aria-labelledby="bounties-title">
          <h2 id="bounties-title">Open bounties</h2>
          <OpenBounties loading={bounties.loading} error={bounties.error} bounties={bounties.data?.bounties ?? []} />
        </article>
        <article className="card" aria-labelledby="earnings-title">
          <h2 id="earnings-title">My earnings</h2>
          <Earnings loading={earnings.loading} error={earnings.error} earnings={earnings.data?.earnings} referrals={earnings.data?.referrals} />
        </article>
      </div>
    </section>
  );
}

function AnalysesCards({ loading, error, views }: { loading: boolean; error: unknown; views: AnalysisView[] }) {
  if (loading) return <p aria-busy="true">Loading analyses…</p>;
  if (error) return <ErrorNotice error={error} />;
  if (views.length === 0) {
    return (
      <EmptyState title="No analyses yet">
        <p>
          <Link to="/submit">Submit a file</Link> to see its analysis here, with its verdict.
        </p>
      </EmptyState>
    );
  }
  const days = perDay(views.map((view) => view.created_at), DAYS);
  const verdicts = ["malicious", "suspicious", "benign", "unknown"];
  const counts = verdicts.map((verdict) => views.filter((view) => (view.verdict ?? "unknown") === verdict).length);
  return (
    <>
      <BarChart title={`Analyses submitted from this browser, last ${DAYS} days`}
        labels={days.map((entry) => entry.day.slice(5))}
        series={[{ label: "Analyses", values: days.map((entry) => entry.count), color: "#1d4ed8" }]} />
      <h3>Verdicts</h3>
      <DoughnutChart title="Verdict distribution" labels={verdicts} values={counts}
        colors={verdicts.map((verdict) => VERDICT_COLORS[verdict] ?? "#4b5563")} />
    </>
  );
}

function OpenBounties({ loading, error, bounties }: { loading: boolean; error: unknown; bounties: BountyView[] }) {
  if (loading) return <p aria-busy="true">Loading bounties…</p>;
  if (error) return <ErrorNotice error={error} />;
  if (bounties.length === 0) {
    return (
      <EmptyState title="No open bounties">
        <p>
          Nobody is asking for analyses right now. Look at <Link to="/bounties">all bounties</Link> to follow past
          ones.
        </p>
      </EmptyState>
    );
  }
  const total = bounties.reduce((sum, bounty) => sum + BigInt(bounty.reward), 0n);
  const days = perDay(bounties.map((bounty) => bounty.created_at), DAYS);
  const volume = days.map((entry) =>
    bounties.filter((bounty) => bounty.created_at.startsWith(entry.day)).reduce((sum, bounty) => sum + nxsNumber(bounty.reward), 0),
  );
  return (
    <>
      <dl className="stats">
        <div><dt>Open</dt><dd>{bounties.length}</dd></div>
        <div><dt>Reward volume</dt><dd>{formatNxs(total.toString())}</dd></div>
      </dl>
      <BarChart title={`Reward posted per day on open bounties (NXS), last ${DAYS} days`}
        labels={days.map((entry) => entry.day.slice(5))}
        series={[{ label: "NXS", values: volume, color: "#7c3aed" }]} />
    </>
  );
}

function Earnings({ loading, error, earnings, referrals }: {
  loading: boolean;
  error: unknown;
  earnings: MyEarnings | undefined;
  referrals: ReferralEarnings | undefined;
}) {
  if (loading) return <p aria-busy="true">Loading earnings…</p>;
  if (error) return <ErrorNotice error={error} />;
  const periods = earnings?.periods ?? [];
  const any = periods.some((period) => Object.values(period.amounts).some((value) => value !== "0"));
  const bonuses = referrals && referrals.completed > 0 ? referrals : undefined;
  if (!earnings || (!any && !bonuses)) {
    return (
      <EmptyState title="No earnings yet">
        <p>
          Analysts earn NXS by committing correct verdicts on <Link to="/bounties">open bounties</Link>. Link a
          wallet in settings to take part.
        </p>
      </EmptyState>
    );
  }
  return (
    <>
      <dl className="stats">
        <div><dt>Rewards</dt><dd>{formatNxs(earnings.totals.rewards)}</dd></div>
        <div><dt>Claimable</dt><dd>{formatNxs(earnings.totals.claimable)}</dd></div>
        {bonuses && (
          <div>
            <dt>Referral bonuses</dt>
            <dd>{formatNxs(bonuses.total)} ({bonuses.completed} {bonuses.completed === 1 ? "referral" : "referrals"})</dd>
          </div>
        )}
      </dl>
      <LineChart title="Earnings per day (NXS), last 30 days" labels={periods.map((period) => period.start.slice(5, 10))}
        series={[
          { label: "Rewards", values: periods.map((period) => nxsNumber(period.amounts.rewards)), color: "#15803d" },
          { label: "Claimed", values: periods.map((period) => nxsNumber(period.amounts.claimed)), color: "#1d4ed8" },
          { label: "Forfeited", values: periods.map((period) => nxsNumber(period.amounts.forfeited)), color: "#b91c1c" },
        ]} />
    </>
  );
}
