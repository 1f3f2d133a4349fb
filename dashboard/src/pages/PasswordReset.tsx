// Forgotten passwords: /forgot-password asks for a reset (POST /v1/users/password-reset; the
// answer is the same whether or not the address has an account, so nobody learns who does), and
// /reset-password?token=... is the page the mailed link opens, which sets the new password
// (POST /v1/users/password-reset/confirm). Both work without signing in.

import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { api } from "../api/endpoints";
import { ErrorNotice, Field } from "../components/ui";

export function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const [problem, setProblem] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = email.trim();
    setProblem(/^[^@\s]+@[^@\s]+$/.test(trimmed) ? undefined : "Enter the e-mail address of your account.");
    setError(null);
    if (!/^[^@\s]+@[^@\s]+$/.test(trimmed)) return;
    setBusy(true);
    try {
      await api.requestPasswordReset(trimmed);
      setSent(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <h1>Reset your password</h1>
      {sent ? (
        <p role="status">
          If an account uses {email.trim()}, a link to set a new password is on its way there. It works once and
          expires soon; check your spam folder if it does not arrive.
        </p>
      ) : (
        <form onSubmit={submit} noValidate>
          <ErrorNotice error={error} />
          <Field label="E-mail" name="email" type="email" autoComplete="email" value={email}
            onChange={(event) => setEmail(event.target.value)} error={problem} />
          <button type="submit" disabled={busy}>{busy ? "Sending…" : "Send me a reset link"}</button>
        </form>
      )}
      <p><Link to="/sign-in">Back to sign in</Link>.</p>
    </section>
  );
}

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [problem, setProblem] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = password.length < 12 ? "Use at least 12 characters." : password !== again ? "The two passwords differ." : undefined;
    setProblem(found);
    setError(null);
    if (found) return;
    setBusy(true);
    try {
      await api.confirmPasswordReset(token, password);
      setDone(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (!token) {
    return (
      <section className="narrow">
        <h1>Set a new password</h1>
        <p>This page opens from the link in a password reset e-mail. <Link to="/forgot-password">Ask for a new link</Link>.</p>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>Set a new password</h1>
      {done ? (
        <p role="status">Your password is set, and every session of the account was signed out. <Link to="/sign-in">Sign in</Link> with it.</p>
      ) : (
        <form onSubmit={submit} noValidate>
          <ErrorNotice error={error} />
          <Field label="New password" name="new-password" type="password" autoComplete="new-password" value={password}
            onChange={(event) => setPassword(event.target.value)} error={problem} />
          <Field label="New password again" name="new-password-again" type="password" autoComplete="new-password" value={again}
            onChange={(event) => setAgain(event.target.value)} />
          <button type="submit" disabled={busy}>{busy ? "Setting…" : "Set my password"}</button>
        </form>
      )}
    </section>
  );
}
