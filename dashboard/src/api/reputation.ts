// The reputation service through the gateway (services/nexus-reputation): leaderboards, an
// account's reputation and its history, a file's verdict. Shapes from
// crates/nexus-proto/src/reputation.rs and services/nexus-reputation/src/routes/get_file_verdict.rs.
// The pure functions below shape the answers for the pages (tested in reputation.test.ts).

import { request } from "./client";
import type { PublicProfile } from "./types";

export const TRUST_LEVELS = ["newcomer", "established", "trusted", "expert"] as const;
export type TrustLevel = (typeof TRUST_LEVELS)[number];

export const LEADERBOARD_PERIODS = ["week", "month", "all"] as const;
export type LeaderboardPeriod = (typeof LEADERBOARD_PERIODS)[number];

/** The file types a board can be kept for (`kind`; absent or `all` for every type). */
export const FILE_TYPES = ["pe", "elf", "macho", "document", "script", "archive", "url", "contract", "other"] as const;
export type FileType = (typeof FILE_TYPES)[number];

export interface LeaderboardEntry {
  rank: number;
  user_id: string;
  score: number;
}

export interface Leaderboard {
  period: string;
  kind: string;
  starts_at?: string | null;
  total: number;
  entries: LeaderboardEntry[];
  me?: LeaderboardEntry | null;
}

export interface LeaderboardQuery {
  period?: LeaderboardPeriod;
  kind?: FileType;
  limit?: number;
}

export interface TrustUnlocks {
  rate_limit_tier: string;
  min_stake_discount_bps: number;
  arbiter_eligible: boolean;
}

export interface ScoreBreakdown {
  key: string;
  kind?: string | null;
  score: number;
  skill: number;
  assertions: number;
  correct: number;
}

export interface ReputationView {
  user_id: string;
  score: number;
  skill: number;
  trust_level: TrustLevel;
  unlocks: TrustUnlocks;
  assertions: number;
  correct: number;
  by_file_type: ScoreBreakdown[];
  by_family: ScoreBreakdown[];
  wallets: string[];
  updated_at?: string | null;
}

export interface HistoryEntry {
  id: number;
  analyst: string;
  /** The contract's bounty id (not the API's bounty UUID). */
  bounty_id: number;
  reason: string;
  outcome?: string | null;
  analyst_outcome?: string | null;
  delta: number;
  score: number;
  trust_level: TrustLevel;
  recorded_at: string;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  next_cursor?: string | null;
}

export interface VerdictReputation {
  score: number;
  skill: number;
  assertions: number;
  trust_level: TrustLevel;
}

export interface VerdictAssertion {
  analyst: string;
  user_id?: string | null;
  verdict: string;
  confidence: number;
  reputation: VerdictReputation;
  base_weight: number;
  cluster_size: number;
  effective_weight: number;
  bounty_id: number;
}

export interface FileVerdict {
  sha256: string;
  label: string;
  confidence: number;
  malicious_probability: number;
  file_type: string;
  engine_hint?: { label: string; confidence: number; weight: number } | null;
  assertions: VerdictAssertion[];
}

/** `ReputationChanged` on `leaderboard` and `user:{id}`. */
export interface ReputationChanged {
  user_id: string;
  analyst: string;
  chain_bounty_id?: number | null;
  reason: string;
  delta: number;
  score: number;
}

/** `TrustLevelChanged` on `leaderboard` and `user:{id}`. */
export interface TrustLevelChanged {
  user_id: string;
  analyst: string;
  previous: TrustLevel;
  current: TrustLevel;
}

/** GET /v1/reputation/{id}/referrals: the account's referral bonuses (its own only). */
export interface ReferralEarnings {
  completed: number;
  /** Wei of NXS, decimal. */
  total: string;
}

export const reputationApi = {
  referrals: (userId: string) => request<ReferralEarnings>(`/reputation/${encodeURIComponent(userId)}/referrals`),
  leaderboard: (query: LeaderboardQuery) => request<Leaderboard>("/leaderboards", { query: { ...query } }),
  reputation: (userId: string) => request<ReputationView>(`/reputation/${encodeURIComponent(userId)}`),
  history: (userId: string, cursor?: string) =>
    request<HistoryPage>(`/reputation/${encodeURIComponent(userId)}/history`, { query: { cursor } }),
  /** The account's public profile (`GET /v1/users/{id}`, public): its name for the pages. */
  profile: (userId: string) => request<PublicProfile>(`/users/${encodeURIComponent(userId)}`),
  verdict: (sha256: string) => request<FileVerdict>(`/files/${encodeURIComponent(sha256)}/verdict`),
};

// ---- Shaping for the pages ----

/** "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "101st", "111th". */
export function ordinal(rank: number): string {
  const tens = rank % 100;
  if (tens >= 11 && tens <= 13) return `${rank}th`;
  switch (rank % 10) {
    case 1:
      return `${rank}st`;
    case 2:
      return `${rank}nd`;
    case 3:
      return `${rank}rd`;
    default:
      return `${rank}th`;
  }
}

/** The caller's standing in words: "You are 3rd of 120", or why there is none. */
export function ownRankText(board: Pick<Leaderboard, "me" | "total">, signedIn: boolean): string {
  if (!signedIn) return "Sign in to see your own rank.";
  if (!board.me) return "You are not ranked on this board yet: settled assertions in this period and file type put you on it.";
  return `You are ${ordinal(board.me.rank)} of ${board.total} with ${formatScore(board.me.score)} points.`;
}

/** Points with at most one decimal ("12.5", "-3", "1,204.2"). */
export function formatScore(score: number): string {
  return score.toLocaleString("en", { maximumFractionDigits: 1 });
}

/** A signed change ("+2.5", "−1.3", "0"). */
export function formatDelta(delta: number): string {
  const text = Math.abs(delta).toLocaleString("en", { maximumFractionDigits: 2 });
  if (text === "0") return "0";
  return delta > 0 ? `+${text}` : `−${text}`;
}

/** Whether the caller's own entry is among the board's shown rows (then that row is highlighted, else shown below). */
export function ownRowShown(board: Pick<Leaderboard, "me" | "entries">): boolean {
  const me = board.me;
  return !!me && board.entries.some((entry) => entry.user_id === me.user_id);
}

export interface ScoreSeries {
  /** The wallet, or "All wallets" for the sum. */
  label: string;
  values: number[];
}

export interface ScoreChart {
  /** ISO times, oldest first: one point per history entry. */
  times: string[];
  series: ScoreSeries[];
}

/**
 * The history (newest first, several wallets mixed, possibly several pages) as a chart of the
 * score over time, oldest first: one series per wallet carrying its last score forward (before
 * its first entry, the score it had then: `score - delta`), plus their sum when there are several
 * wallets. Entries are de-duplicated by id, so a page read twice does not draw twice.
 */
export function historyChart(entries: HistoryEntry[]): ScoreChart {
  const seen = new Set<number>();
  const ordered = entries
    .filter((entry) => (seen.has(entry.id) ? false : (seen.add(entry.id), true)))
    .sort((a, b) => a.recorded_at.localeCompare(b.recorded_at) || a.id - b.id);
  const wallets = [...new Set(ordered.map((entry) => entry.analyst))];
  const current = new Map<string, number>();
  for (const wallet of wallets) {
    const first = ordered.find((entry) => entry.analyst === wallet) as HistoryEntry;
    current.set(wallet, round(first.score - first.delta));
  }
  const values = new Map<string, number[]>(wallets.map((wallet) => [wallet, []]));
  const total: number[] = [];
  for (const entry of ordered) {
    current.set(entry.analyst, entry.score);
    let sum = 0;
    for (const wallet of wallets) {
      const value = current.get(wallet) ?? 0;
      values.get(wallet)?.push(value);
      sum += value;
    }
    total.push(round(sum));
  }
  const series: ScoreSeries[] = wallets.map((wallet) => ({ label: wallet, values: values.get(wallet) ?? [] }));
  if (wallets.length > 1) series.unshift({ label: "All wallets", values: total });
  return { times: ordered.map((entry) => entry.recorded_at), series };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Right answers as a share ("7 of 9 right (78 %)"), or "No settled assertions yet". */
export function accuracyText(correct: number, assertions: number): string {
  if (assertions === 0) return "No settled assertions yet";
  return `${correct} of ${assertions} right (${Math.round((correct / assertions) * 100)} %)`;
}

/** What a trust level unlocks, in words, one line each. */
export function unlockLines(unlocks: TrustUnlocks): string[] {
  const discount = unlocks.min_stake_discount_bps / 100;
  return [
    `API rate-limit tier: ${unlocks.rate_limit_tier}`,
    discount > 0 ? `Minimum assertion stake ${discount.toLocaleString("en")} % lower` : "No discount on the minimum assertion stake",
    unlocks.arbiter_eligible ? "May be chosen as an arbiter in disputes" : "Not yet eligible as an arbiter",
  ];
}
