// The salt of a sealed assertion, kept in this browser until the reveal.
//
// Why here: a commitment is `keccak256(abi.encode(bountyId, analyst, verdict, confidence,
// metadataHash, salt))` and the contract only accepts a reveal of exactly those values. The
// platform never sees the salt before the reveal (that is the point of sealing), so the browser
// that committed must keep it: localStorage, keyed by bounty and wallet, written BEFORE the commit
// is sent (a commit whose salt was lost can never be revealed, and its stake is slashed).

import { isAddress, type Hex } from "viem";

export type SealedVerdict = "benign" | "malicious";

/** Everything a reveal needs, kept from the commit. */
export interface KeptAssertion {
  verdict: SealedVerdict;
  confidence: number;
  metadata_hash: Hex;
  salt: Hex;
  commitment: Hex;
  stake: string;
  committed_at: string;
}

const PREFIX = "nexus.salt";

function key(bountyId: string, account: string): string {
  if (!bountyId) throw new Error("A kept salt needs the bounty's id.");
  if (!isAddress(account, { strict: false })) throw new Error(`${account} is not a wallet address.`);
  return `${PREFIX}.${bountyId}.${account.toLowerCase()}`;
}

/** 32 random bytes from the browser's cryptographic generator, `0x`-hex. */
export function newSalt(
  random: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array = (bytes) => crypto.getRandomValues(bytes),
): Hex {
  const bytes = random(new Uint8Array(32));
  if (bytes.length !== 32) throw new Error("The random generator gave the wrong number of bytes.");
  return `0x${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

function isKept(value: unknown): value is KeptAssertion {
  const kept = value as Partial<KeptAssertion> | null;
  return (
    !!kept &&
    (kept.verdict === "benign" || kept.verdict === "malicious") &&
    typeof kept.confidence === "number" &&
    Number.isInteger(kept.confidence) &&
    kept.confidence >= 0 &&
    kept.confidence <= 100 &&
    typeof kept.salt === "string" &&
    /^0x[0-9a-f]{64}$/i.test(kept.salt) &&
    typeof kept.metadata_hash === "string" &&
    /^0x[0-9a-f]{64}$/i.test(kept.metadata_hash) &&
    typeof kept.commitment === "string" &&
    typeof kept.stake === "string"
  );
}

/** Keeps the assertion; refuses to overwrite a different one (that salt would be lost). */
export function keepAssertion(store: Storage, bountyId: string, account: string, kept: KeptAssertion): void {
  const existing = keptAssertion(store, bountyId, account);
  if (existing && existing.commitment !== kept.commitment) {
    throw new Error(
      "This browser already keeps a sealed assertion for this bounty and wallet; committing another would lose its salt.",
    );
  }
  store.setItem(key(bountyId, account), JSON.stringify(kept));
  if (!isKept(JSON.parse(store.getItem(key(bountyId, account)) ?? "null"))) {
    throw new Error("The browser did not keep the salt (storage full or blocked): do not commit.");
  }
}

/** The kept assertion, or null when none (or a damaged entry) is kept. */
export function keptAssertion(store: Storage, bountyId: string, account: string): KeptAssertion | null {
  const name = key(bountyId, account);
  try {
    const parsed: unknown = JSON.parse(store.getItem(name) ?? "null");
    return isKept(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** Forgets a kept assertion (after the commit failed, so a new one may be sealed). */
export function forgetAssertion(store: Storage, bountyId: string, account: string): void {
  store.removeItem(key(bountyId, account));
}
