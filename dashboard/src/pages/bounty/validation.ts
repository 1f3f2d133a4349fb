// The bounty forms' checks, mirroring nexus-bounty's rules (amounts in wei below 2^128, a file's
// SHA-256, the commit window inside the chain's governed bounds) so a person sees the problem
// beside its field before anything is signed; the API checks again against the chain.

import type { Problems } from "../validation";
import { nxsToWei } from "./requests";

const MAX_WEI = 2n ** 128n;

function amount(text: string, what: string): string | undefined {
  try {
    const wei = BigInt(nxsToWei(text));
    if (wei === 0n) return `The ${what} must be more than 0 NXS.`;
    if (wei >= MAX_WEI) return `The ${what} is larger than any NXS amount.`;
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export interface CreateForm {
  sha256: string;
  reward: string;
  minStake: string;
  windowHours: string;
}

export function createProblems(form: CreateForm): Problems<keyof CreateForm> {
  const problems: Problems<keyof CreateForm> = {};
  if (!/^[0-9a-fA-F]{64}$/.test(form.sha256.trim())) {
    problems.sha256 = "Pick one of your files or paste its SHA-256 (64 hexadecimal digits).";
  }
  const reward = amount(form.reward, "reward");
  if (reward) problems.reward = reward;
  const minStake = amount(form.minStake, "minimum stake");
  if (minStake) problems.minStake = minStake;
  const hours = Number(form.windowHours);
  // The contract's default bounds: at least 1 hour (+5 minutes for the creation to reach a block),
  // at most 7 days; governance may move them, and the API's message then gives the new ones.
  if (!Number.isInteger(hours) || hours < 2 || hours > 168) {
    problems.windowHours = "Give the analysts between 2 and 168 hours (7 days) to commit.";
  }
  return problems;
}

export function stakeProblem(text: string): string | undefined {
  return amount(text, "stake");
}

export function confidenceProblem(text: string): string | undefined {
  const value = Number(text);
  return Number.isInteger(value) && value >= 0 && value <= 100 ? undefined : "Enter a whole percentage from 0 to 100.";
}
