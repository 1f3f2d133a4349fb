// The bodies of the bounty actions, assembled from the intent the API served and the signatures
// the wallet returned (wallet/signing.ts), and the sealed commitment computed exactly as
// `BountyContract.commitmentOf` does (crates/nexus-chain/src/commitment.rs). Shapes:
// crates/nexus-proto/src/bounty_intents.rs (CreateBountyRequest) and bounty_actions.rs.

import { encodeAbiParameters, keccak256, parseUnits, stringToBytes, type Hex } from "viem";
import type { signIntent } from "../../wallet/signing";
import type { SealedVerdict } from "./salt";

export type Signed = Awaited<ReturnType<typeof signIntent>>;

/** `enum Verdict { None, Benign, Malicious }` in BountyTypes.sol. */
const VERDICT_CODES: Record<SealedVerdict, number> = { benign: 1, malicious: 2 };

/** `keccak256(abi.encode(bountyId, analyst, verdict, confidence, metadataHash, salt))`. */
export function commitmentOf(
  chainBountyId: bigint,
  analyst: Hex,
  verdict: SealedVerdict,
  confidence: number,
  metadataHash: Hex,
  salt: Hex,
): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "uint256" },
        { type: "address" },
        { type: "uint8" },
        { type: "uint8" },
        { type: "bytes32" },
        { type: "bytes32" },
      ],
      [chainBountyId, analyst, VERDICT_CODES[verdict], confidence, metadataHash, salt],
    ),
  );
}

/** The metadata hash an assertion commits to: keccak256 of the analyst's note (UTF-8). */
export function metadataHash(note: string): Hex {
  return keccak256(stringToBytes(note.trim()));
}

/** NXS as typed by a person ("12.5") to wei (decimal string); throws on anything else. */
export function nxsToWei(nxs: string): string {
  const text = nxs.trim();
  if (!/^[0-9]+(\.[0-9]{1,18})?$/.test(text)) throw new Error("Enter an amount of NXS like 25 or 2.5.");
  return parseUnits(text, 18).toString();
}

export interface CreateTerms {
  sha256: string;
  reward: string;
  min_stake: string;
  assertion_deadline: number;
  is_public: boolean;
}

/** The query of `GET /v1/bounties/intents/create` for a file bounty. */
export function createIntentQuery(signer: string, terms: CreateTerms) {
  return {
    signer,
    artifact_kind: "file",
    sha256: terms.sha256.toLowerCase(),
    reward: terms.reward,
    min_stake: terms.min_stake,
    assertion_deadline: terms.assertion_deadline,
  };
}

/** `CreateBountyRequest`: the same terms the typed data carried, with both signatures. */
export function createBountyBody(terms: CreateTerms, signed: Signed) {
  if (!signed.permit) throw new Error("Posting a bounty needs the reward's permit signature.");
  return {
    artifact: { kind: "file", sha256: terms.sha256.toLowerCase() },
    reward: terms.reward,
    min_stake: terms.min_stake,
    assertion_deadline: terms.assertion_deadline,
    is_public: terms.is_public,
    intent: signed.intent,
    permit: signed.permit,
  };
}

/** `CommitRequest`. */
export function commitBody(commitment: Hex, stake: string, signed: Signed) {
  return { commitment, stake, intent: signed.intent, ...(signed.permit ? { permit: signed.permit } : {}) };
}

/** `RevealRequest`: the kept preimage (not signed: the contract checks it against the commitment). */
export function revealBody(
  analyst: string,
  kept: { verdict: SealedVerdict; confidence: number; metadata_hash: Hex; salt: Hex },
) {
  return {
    analyst: analyst.toLowerCase(),
    verdict: kept.verdict,
    confidence: kept.confidence,
    metadata_hash: kept.metadata_hash,
    salt: kept.salt,
  };
}

/** `StakeRequest`. */
export function stakeBody(amount: string, signed: Signed) {
  return { amount, intent: signed.intent };
}
