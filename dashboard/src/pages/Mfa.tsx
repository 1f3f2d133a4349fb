// The second step of a sign-in when the account has an authenticator enrolled: the login answered
// `mfa_required` with a short-lived `mfa_token`, passed here in the navigation state.

import { useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate, useSearchParams } from "react-router-dom";
import { api } from "../api/endpoints";
import { saveTokens } from "../api/session";
import { ErrorNotice, Field } from "../components/ui";
import { safeNext, totpProblem } from "./validation";

export function MfaPage() {
  const location = useLocation();
  const mfaToken = (location.state as { mfaToken?: string } | null)?.mfaToken;
  const [code, setCode] = useState("");
  const [problem, setProblem] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const [params] = useSearchParams();

  if (!mfaToken) {
    return (
      <section className="narrow">
        <h1>Two-factor sign-in</h1>
        <p>
          This step follows a sign-in with your password. <Link to="/sign-in">Sign in</Link> first.
        </p>
      </section>
    );
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = totpProblem(code);
    setProblem(found);
    setError(null);
    if (found) return;
    setBusy(true);
    try {
      saveTokens(await api.loginMfa(mfaToken, code.trim()));
      navigate(safeNext(params.get("next")));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <h1>Two-factor sign-in</h1>
      <p>Enter the code your authenticator app shows for Nexus Security.</p>
      <form onSubmit={submit} noValidate>
        <ErrorNotice error={error} />
        <Field label="6-digit code" name="code" inputMode="numeric" autoComplete="one-time-code" maxLength={6}
          value={code} onChange={(event) => setCode(event.target.value)} error={problem} />
        <button type="submit" disabled={busy}>{busy ? "Checking…" : "Continue"}</button>
      </form>
    </section>
  );
}
