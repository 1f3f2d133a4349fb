import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { api } from "../api/endpoints";
import { saveTokens } from "../api/session";
import { needsMfa } from "../api/types";
import { ErrorNotice, Field } from "../components/ui";
import { safeNext, signInProblems, type Problems } from "./validation";

export function SignInPage() {
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [problems, setProblems] = useState<Problems<"login" | "password">>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = signInProblems(login, password);
    setProblems(found);
    setError(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const answer = await api.login(login.trim(), password);
      if (needsMfa(answer)) {
        navigate(`/sign-in/mfa?next=${encodeURIComponent(next)}`, { state: { mfaToken: answer.mfa_token } });
      } else {
        saveTokens(answer);
        navigate(next);
      }
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <h1>Sign in</h1>
      <form onSubmit={submit} noValidate>
        <ErrorNotice error={error} />
        <Field label="E-mail or user name" name="login" autoComplete="username" value={login}
          onChange={(event) => setLogin(event.target.value)} error={problems.login} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" value={password}
          onChange={(event) => setPassword(event.target.value)} error={problems.password} />
        <button type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
      <p>
        No account yet? <Link to="/register">Register</Link>. Forgot your password?{" "}
        <Link to="/forgot-password">Reset it</Link>.
      </p>
    </section>
  );
}
