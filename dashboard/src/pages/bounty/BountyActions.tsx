// The actions on one bounty, signed by the injected wallet: an analyst stakes (qualifying stake,
// `Stake` intent), commits a sealed assertion (`CommitAssertion` intent + the stake's permit, the
// salt kept in this browser first: salt.ts), reveals it (the kept preimage, not signed) and
// claims; the creator asks for the refund of an invalid bounty. The API decides whether the
// chain's clock allows each one; its refusals are shown in words.

import { useState, type FormEvent } from "react";
import { bountyActions } from "../../api/bountyActions";
import { ApiError } from "../../api/errors";
import type { BountyView } from "../../api/types";
import { formatNxs } from "../../components/format";
import { Field } from "../../components/ui";
import { signIntent } from "../../wallet/signing";
import { ActionError } from "./ActionError";
import { commitBody, commitmentOf, metadataHash, nxsToWei, revealBody, stakeBody } from "./requests";
import { forgetAssertion, keepAssertion, keptAssertion, newSalt, type SealedVerdict } from "./salt";
import { useWallet } from "./useWallet";
import { confidenceProblem, stakeProblem } from "./validation";
import { WalletNotice } from "./WalletNotice";

const FINAL = new Set(["resolved", "decided", "refunded", "expired"]);

export function BountyActions({ bounty }: { bounty: BountyView }) {
  const wallet = useWallet();
  const [busy, setBusy] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [qualifying, setQualifying] = useState("100");
  const [verdict, setVerdict] = useState<SealedVerdict>("malicious");
  const [confidence, setConfidence] = useState("90");
  const [stake, setStake] = useState(() => formatWeiInput(bounty.min_stake));
  const [note, setNote] = useState("");
  const [problems, setProblems] = useState<{ stake?: string; confidence?: string; qualifying?: string }>({});

  const address = wallet.state.kind === "ready" ? wallet.state.address : null;
  const kept = address ? keptAssertion(localStorage, bounty.id, address) : null;
  const mine = address ? bounty.assertions?.find((a) => a.analyst.toLowerCase() === address.toLowerCase()) : undefined;
  const isCreator = !!address && bounty.creator_address.toLowerCase() === address.toLowerCase();

  const run = async (label: string, action: () => Promise<string>) => {
    setError(null);
    setDone(null);
    setBusy(label);
    try {
      setDone(await action());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };

  if (wallet.state.kind !== "ready") {
    return (
      <section aria-labelledby="actions-title">
        <h2 id="actions-title">Take part</h2>
        <p>Staking, committing, revealing, claiming and refunds are signed by your wallet, linked to your account.</p>
        <button type="button" onClick={() => void wallet.connect()} disabled={wallet.state.kind === "connecting"}>
          Use my wallet
        </button>
        <WalletNotice state={wallet.state} />
      </section>
    );
  }
  const { provider } = wallet.state;
  const signer = wallet.state.address;

  const stakeQualifying = (event: FormEvent) => {
    event.preventDefault();
    const problem = stakeProblem(qualifying);
    setProblems({ qualifying: problem });
    if (problem) return;
    void run("Sign the stake in your wallet…", async () => {
      const amount = nxsToWei(qualifying);
      const intent = await bountyActions.stakeIntent(signer, amount);
      const signed = await signIntent(provider, intent);
      await bountyActions.stake(stakeBody(amount, signed));
      return `Staking ${formatNxs(amount)} is on its way to the chain.`;
    });
  };

  const commit = (event: FormEvent) => {
    event.preventDefault();
    const found = { stake: stakeProblem(stake), confidence: confidenceProblem(confidence) };
    setProblems(found);
    if (found.stake || found.confidence) return;
    if (bounty.chain_bounty_id == null) {
      setError(new Error("The bounty is not on the chain yet: wait until it is open."));
      return;
    }
    const chainId = BigInt(bounty.chain_bounty_id);
    void run("Sealing your assertion…", async () => {
      const stakeWei = nxsToWei(stake);
      const salt = newSalt();
      const metadata = metadataHash(note);
      const percent = Number(confidence);
      const commitment = commitmentOf(chainId, signer, verdict, percent, metadata, salt);
      // The salt is kept before anything is signed or sent: a commitment whose salt is lost
      // can never be revealed.
      keepAssertion(localStorage, bounty.id, signer, {
        verdict, confidence: percent, metadata_hash: metadata, salt, commitment, stake: stakeWei,
        committed_at: new Date().toISOString(),
      });
      try {
        setBusy("Sign the commitment and the stake's permit in your wallet (two signatures)…");
        const intent = await bountyActions.commitIntent(bounty.id, signer, commitment, stakeWei);
        const signed = await signIntent(provider, intent);
        await bountyActions.commit(bounty.id, commitBody(commitment, stakeWei, signed));
      } catch (caught) {
        // Refused (or never signed): nothing reached the chain, so this salt may go. A network
        // failure keeps it: the commitment may have been relayed.
        if (!(caught instanceof ApiError) || (caught.status >= 400 && caught.status < 500)) {
          forgetAssertion(localStorage, bounty.id, signer);
        }
        throw caught;
      }
      return "Your sealed assertion is on its way to the chain. Reveal it once the commit window closes.";
    });
  };

  const reveal = () =>
    void run("Revealing…", async () => {
      if (!kept) throw new Error("This browser keeps no salt for this bounty and wallet.");
      await bountyActions.reveal(bounty.id, revealBody(signer, kept));
      return "Your reveal is on its way to the chain.";
    });
  const claim = () =>
    void run("Claiming…", async () => {
      await bountyActions.claim(bounty.id, signer);
      return "Your claim is on its way to the chain.";
    });
  const refund = () =>
    void run("Asking for the refund…", async () => {
      await bountyActions.refund(bounty.id);
      return "The refund is on its way to the chain.";
    });

  return (
    <section aria-labelledby="actions-title">
      <h2 id="actions-title">Take part</h2>
      <WalletNotice state={wallet.state} />
      {!isCreator && bounty.status === "open" && !kept && !mine && (
        <>
          <form onSubmit={stakeQualifying} noValidate>
            <h3>Qualifying stake</h3>
            <p>Analysts keep a stake with the token before they commit (100 NXS by default).</p>
            <Field label="Stake to qualify (NXS)" inputMode="decimal" value={qualifying} onChange={(e) => { setQualifying(e.target.value); setProblems((old) => ({ ...old, qualifying: undefined })); }} error={problems.qualifying} />
            <button type="submit" disabled={busy !== null}>Sign and stake</button>
          </form>
          <form onSubmit={commit} noValidate>
            <h3>Commit a sealed verdict</h3>
            <div className="field">
              <label htmlFor="commit-verdict">Verdict</label>
              <select id="commit-verdict" value={verdict} onChange={(e) => setVerdict(e.target.value as SealedVerdict)}>
                <option value="malicious">Malicious</option>
                <option value="benign">Benign</option>
              </select>
            </div>
            <Field label="Confidence (%)" inputMode="numeric" value={confidence} onChange={(e) => { setConfidence(e.target.value); setProblems((old) => ({ ...old, confidence: undefined })); }} error={problems.confidence} />
            <Field label="Stake on this verdict (NXS)" inputMode="decimal" value={stake} onChange={(e) => { setStake(e.target.value); setProblems((old) => ({ ...old, stake: undefined })); }} error={problems.stake} hint={`At least ${formatNxs(bounty.min_stake)}.`} />
            <Field label="Note (its hash is committed)" value={note} onChange={(e) => setNote(e.target.value)} />
            <p className="notice" role="note">
              A secret salt is generated and kept in this browser only. You need it to reveal: if you clear this
              browser&apos;s data or switch browsers before revealing, the verdict can never be revealed and the stake is
              lost.
            </p>
            <button type="submit" disabled={busy !== null}>Sign and commit</button>
          </form>
        </>
      )}
      {kept && !mine?.verdict && !FINAL.has(bounty.status) && (
        <div>
          <h3>Reveal</h3>
          <p>
            This browser keeps your sealed verdict ({kept.verdict}, {kept.confidence}%). Reveal it after the commit window
            closes and before the reveal window ends.
          </p>
          <button type="button" onClick={reveal} disabled={busy !== null}>Reveal my verdict</button>
        </div>
      )}
      {mine && mine.verdict && !mine.claimed && (bounty.status === "resolved" || bounty.status === "decided") && (
        <div>
          <h3>Claim</h3>
          <button type="button" onClick={claim} disabled={busy !== null}>Claim my payout</button>
        </div>
      )}
      {isCreator && (bounty.status === "expired" || bounty.status === "resolved" || bounty.status === "decided") && (
        <div>
          <h3>Refund</h3>
          <p>A bounty that ends without a valid outcome returns its reward to you.</p>
          <button type="button" onClick={refund} disabled={busy !== null}>Ask for the refund</button>
        </div>
      )}
      {busy && <p role="status" aria-live="polite">{busy}</p>}
      {done && <p className="notice" role="status">{done}</p>}
      <ActionError error={error} />
    </section>
  );
}

/** Wei as the NXS a person would type (whole NXS when exact). */
function formatWeiInput(wei: string): string {
  try {
    const value = BigInt(wei);
    const unit = 10n ** 18n;
    if (value % unit === 0n) return (value / unit).toString();
    const fraction = (value % unit).toString().padStart(18, "0").replace(/0+$/, "");
    return `${value / unit}.${fraction}`;
  } catch {
    return "1";
  }
}
