import { describe, expect, it } from "vitest";
import { adviseError, ApiError } from "./errors";
import {
  accuracyText,
  formatDelta,
  formatScore,
  historyChart,
  ordinal,
  ownRankText,
  ownRowShown,
  unlockLines,
  type HistoryEntry,
} from "./reputation";

function entry(id: number, analyst: string, delta: number, score: number, recorded_at: string): HistoryEntry {
  return { id, analyst, bounty_id: id * 10, reason: "BountyResolved", outcome: "malicious", analyst_outcome: "won", delta, score, trust_level: "newcomer", recorded_at };
}

describe("rank formatting", () => {
  it("writes English ordinals, teens included", () => {
    expect([1, 2, 3, 4, 10, 11, 12, 13, 14, 21, 22, 23, 101, 111, 112, 113, 121].map(ordinal)).toEqual([
      "1st", "2nd", "3rd", "4th", "10th", "11th", "12th", "13th", "14th", "21st", "22nd", "23rd", "101st", "111th", "112th", "113th", "121st",
    ]);
  });

  it("says the caller's own rank, or why there is none", () => {
    expect(ownRankText({ me: { rank: 3, user_id: "u", score: 12.345 }, total: 120 }, true)).toBe("You are 3rd of 120 with 12.3 points.");
    expect(ownRankText({ me: null, total: 120 }, true)).toMatch(/not ranked/);
    expect(ownRankText({ me: null, total: 120 }, false)).toMatch(/Sign in/);
  });

  it("knows whether the caller's row is among the shown ones", () => {
    const entries = [{ rank: 1, user_id: "a", score: 5 }, { rank: 2, user_id: "b", score: 4 }];
    expect(ownRowShown({ entries, me: { rank: 2, user_id: "b", score: 4 } })).toBe(true);
    expect(ownRowShown({ entries, me: { rank: 40, user_id: "z", score: 1 } })).toBe(false);
    expect(ownRowShown({ entries, me: undefined })).toBe(false);
  });

  it("formats scores and signed changes", () => {
    expect(formatScore(1204.25)).toBe("1,204.3");
    expect(formatScore(-3)).toBe("-3");
    expect(formatDelta(2.5)).toBe("+2.5");
    expect(formatDelta(-1.333)).toBe("−1.33");
    expect(formatDelta(0.0001)).toBe("0");
  });
});

describe("history -> chart points", () => {
  it("orders the newest-first history oldest first, one point per entry", () => {
    const chart = historyChart([
      entry(3, "0xa", -1, 4, "2026-12-03T00:00:00Z"),
      entry(2, "0xa", 2, 5, "2026-12-02T00:00:00Z"),
      entry(1, "0xa", 3, 3, "2026-12-01T00:00:00Z"),
    ]);
    expect(chart.times).toEqual(["2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z", "2026-12-03T00:00:00Z"]);
    expect(chart.series).toEqual([{ label: "0xa", values: [3, 5, 4] }]);
  });

  it("carries each wallet's score forward and adds their sum, starting a wallet at score - delta", () => {
    const chart = historyChart([
      entry(3, "0xb", 1, 11, "2026-12-03T00:00:00Z"),
      entry(2, "0xa", 2, 5, "2026-12-02T00:00:00Z"),
      entry(1, "0xa", 3, 3, "2026-12-01T00:00:00Z"),
    ]);
    expect(chart.series).toEqual([
      { label: "All wallets", values: [13, 15, 16] },
      { label: "0xa", values: [3, 5, 5] },
      { label: "0xb", values: [10, 10, 11] },
    ]);
  });

  it("draws a page read twice once, and nothing for no history", () => {
    const page = [entry(2, "0xa", 2, 5, "2026-12-02T00:00:00Z"), entry(1, "0xa", 3, 3, "2026-12-01T00:00:00Z")];
    expect(historyChart([...page, ...page]).times).toHaveLength(2);
    expect(historyChart([])).toEqual({ times: [], series: [] });
  });
});

describe("profile words", () => {
  it("gives accuracy and unlocks in words", () => {
    expect(accuracyText(7, 9)).toBe("7 of 9 right (78 %)");
    expect(accuracyText(0, 0)).toBe("No settled assertions yet");
    expect(unlockLines({ rate_limit_tier: "engine", min_stake_discount_bps: 2500, arbiter_eligible: false })).toEqual([
      "API rate-limit tier: engine",
      "Minimum assertion stake 25 % lower",
      "Not yet eligible as an arbiter",
    ]);
    expect(unlockLines({ rate_limit_tier: "standard", min_stake_discount_bps: 0, arbiter_eligible: true })[1]).toMatch(/No discount/);
  });
});

describe("reputation error codes", () => {
  it("say what to do", () => {
    const advice = (code: string, status: number) => adviseError(new ApiError(status, { code, message: "raw" })).message;
    expect(advice("reputation_not_found", 404)).toMatch(/no reputation/i);
    expect(advice("verdict_not_found", 404)).toBe("No bounty has judged this file yet.");
    expect(advice("invalid_cursor", 400)).toMatch(/first page/);
    expect(advice("invalid_sha256", 400)).toMatch(/SHA-256/);
    // invalid_query names the parameter: the API's own words are kept.
    expect(advice("invalid_query", 400)).toBe("raw");
  });
});
