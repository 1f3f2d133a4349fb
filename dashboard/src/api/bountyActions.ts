// The marketplace's write calls (bounty creation and the analysts' actions), one function per
// call. Shapes: crates/nexus-proto/src/bounty.rs (IntentToSign, BountyCreated), bounty_intents.rs
// and bounty_actions.rs; the bodies are assembled in pages/bounty/requests.ts.

import type { IntentToSign } from "../wallet/signing";
import { request } from "./client";
import type { BountyStatus } from "./types";

/** `BountyCreated` (202 of `POST /v1/bounties`). */
export interface BountyCreated {
  id: string;
  status: BountyStatus;
  transaction?: { id: string; kind: string; status: string; tx_hash?: string | null } | null;
}

/** A relayed action's 202: the queued chain call (`BountyTransaction`, routes/actions.rs). */
export interface ActionAccepted {
  id: string;
  kind: string;
  status: string;
  tx_hash?: string | null;
}

/** `GET /v1/users/me/wallets` (nexus-user `WalletList`). */
export interface LinkedWallets {
  wallets: { address: string; chain_id: number; linked_at: string }[];
}

type Query = Record<string, string | number | undefined>;

const post = <T>(path: string, body: unknown) => request<T>(path, { method: "POST", body });

export const bountyActions = {
  linkedWallets: () => request<LinkedWallets>("/users/me/wallets"),
  createIntent: (query: Query) => request<IntentToSign>("/bounties/intents/create", { query }),
  create: (body: unknown) => post<BountyCreated>("/bounties", body),
  stakeIntent: (signer: string, amount: string) =>
    request<IntentToSign>("/bounties/intents/stake", { query: { signer, amount } }),
  stake: (body: unknown) => post<ActionAccepted>("/bounties/stakes", body),
  commitIntent: (bounty: string, signer: string, commitment: string, stake: string) =>
    request<IntentToSign>("/bounties/intents/commit", { query: { bounty, signer, commitment, stake } }),
  commit: (id: string, body: unknown) => post<ActionAccepted>(`/bounties/${encodeURIComponent(id)}/commitments`, body),
  reveal: (id: string, body: unknown) => post<ActionAccepted>(`/bounties/${encodeURIComponent(id)}/reveals`, body),
  claim: (id: string, analyst: string) =>
    post<ActionAccepted>(`/bounties/${encodeURIComponent(id)}/claims`, { analyst }),
  refund: (id: string) => post<ActionAccepted>(`/bounties/${encodeURIComponent(id)}/refunds`, {}),
};
