// Posting a bounty on a file: the terms, then the wallet signs the CreateBounty intent and the
// reward's permit (typed data served by GET /v1/bounties/intents/create), then POST /v1/bounties.
// The bounty's page follows it from pending to open live (`bounty:{id}`).

import { useMemo, useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { bountyActions } from "../../api/bountyActions";
import { recentAnalyses } from "../../api/history";
import { Field } from "../../components/ui";
import { signIntent } from "../../wallet/signing";
import { ActionError } from "./ActionError";
import { createBountyBody, createIntentQuery, nxsToWei, type CreateTerms } from "./requests";
import { useWallet } from "./useWallet";
import { createProblems, type CreateForm } from "./validation";
import { WalletNotice } from "./WalletNotice";

export function CreateBountyPage() {
  const navigate = useNavigate();
  const files = useMemo(() => {
    const seen = new Set<string>();
    return recentAnalyses().filter((entry) => !seen.has(entry.sha256) && seen.add(entry.sha256));
  }, []);
  const [form, setForm] = useState<CreateForm>({ sha256: files[0]?.sha256 ?? "", reward: "25", minStake: "1", windowHours: "24" });
  const [isPublic, setIsPublic] = useState(true);
  const [problems, setProblems] = useState<ReturnType<typeof createProblems>>({});
  const [step, setStep] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const wallet = useWallet();
  // Editing a field clears its message; the next submit checks every field again.
  const set = (field: keyof CreateForm) => (event: { target: { value: string } }) => {
    setForm((old) => ({ ...old, [field]: event.target.value }));
    setProblems((old) => ({ ...old, [field]: undefined }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const found = createProblems(form);
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    const connected = await wallet.connect();
    if (connected.kind !== "ready") return;
    const terms: CreateTerms = {
      sha256: form.sha256.trim(),
      reward: nxsToWei(form.reward),
      min_stake: nxsToWei(form.minStake),
      assertion_deadline: Math.floor(Date.now() / 1000) + Number(form.windowHours) * 3600,
      is_public: isPublic,
    };
    try {
      setStep("Reading what to sign…");
      const intent = await bountyActions.createIntent(createIntentQuery(connected.address, terms));
      setStep("Sign the bounty and the reward's permit in your wallet (two signatures)…");
      const signed = await signIntent(connected.provider, intent);
      setStep("Posting the bounty…");
      const created = await bountyActions.create(createBountyBody(terms, signed));
      navigate(`/bounties/${created.id}`);
    } catch (caught) {
      setError(caught);
      setStep(null);
    }
  };

  return (
    <section>
      <h1>Post a bounty</h1>
      <p>
        Analysts stake NXS on a verdict about your file; the reward goes to those who are right. Your wallet signs the
        terms and lets the bounty contract take the reward; the platform pays the gas.
      </p>
      <form onSubmit={submit} noValidate>
        {files.length > 0 && (
          <div className="field">
            <label htmlFor="bounty-file">One of your files</label>
            <select id="bounty-file" value={files.some((file) => file.sha256 === form.sha256) ? form.sha256 : ""} onChange={set("sha256")}>
              <option value="">Another file (paste its SHA-256 below)</option>
              {files.map((file) => (
                <option key={file.sha256} value={file.sha256}>
                  {file.name} ({file.sha256.slice(0, 12)}…)
                </option>
              ))}
            </select>
          </div>
        )}
        <Field label="File SHA-256" value={form.sha256} onChange={set("sha256")} error={problems.sha256} hint="A file you uploaded, or a public one." spellCheck={false} autoComplete="off" />
        <Field label="Reward (NXS)" inputMode="decimal" value={form.reward} onChange={set("reward")} error={problems.reward} />
        <Field label="Minimum stake per analyst (NXS)" inputMode="decimal" value={form.minStake} onChange={set("minStake")} error={problems.minStake} />
        <Field label="Commit window (hours)" inputMode="numeric" value={form.windowHours} onChange={set("windowHours")} error={problems.windowHours} hint="How long analysts may commit; reveals follow for a day." />
        <div className="field">
          <label>
            <input type="checkbox" checked={isPublic} onChange={(event) => setIsPublic(event.target.checked)} /> Listed for everyone
          </label>
        </div>
        <button type="submit" disabled={step !== null}>
          Sign and post the bounty
        </button>
      </form>
      <WalletNotice state={wallet.state} />
      {step && <p role="status" aria-live="polite">{step}</p>}
      <ActionError error={error} />
    </section>
  );
}
