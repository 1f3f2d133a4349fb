import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api } from "../api/endpoints";
import { saveTokens } from "../api/session";
import { needsMfa } from "../api/types";
import { ErrorNotice, Field } from "../components/ui";
import { registerProblems, type Problems } from "./validation";

type Key = "email" | "username" | "password" | "confirm";

export function RegisterPage() {
  const [values, setValues] = useState({ email: "", username: "", password: "", confirm: "", referral: "" });
  const [problems, setProblems] = useState<Problems<Key>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const set = (key: keyof typeof values) => (event: { target: { value: string } }) =>
    setValues((old) => ({ ...old, [key]: event.target.value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = registerProblems(values);
    setProblems(found);
    setError(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      await api.register({
        email: values.email.trim(),
        username: values.username,
        password: values.password,
        ...(values.referral.trim() ? { referral_code: values.referral.trim() } : {}),
      });
      // A new account has no second factor: signing in right away saves typing it all again.
      const answer = await api.login(values.username, values.password);
      if (needsMfa(answer)) navigate("/sign-in");
      else {
        saveTokens(answer);
        navigate("/");
      }
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <h1>Create an account</h1>
      <form onSubmit={submit} noValidate>
        <ErrorNotice error={error} />
        <Field label="E-mail address" name="email" type="email" autoComplete="email" value={values.email}
          onChange={set("email")} error={problems.email} />
        <Field label="User name" name="username" autoComplete="username" value={values.username}
          onChange={set("username")} error={problems.username}
          hint="3 to 32 letters, digits, _ . or -; shown to other people." />
        <Field label="Password" name="password" type="password" autoComplete="new-password" value={values.password}
          onChange={set("password")} error={problems.password}
          hint="At least 12 characters; a passphrase of several words works well." />
        <Field label="Repeat the password" name="confirm" type="password" autoComplete="new-password"
          value={values.confirm} onChange={set("confirm")} error={problems.confirm} />
        <Field label="Referral code (optional)" name="referral" value={values.referral} onChange={set("referral")} />
        <button type="submit" disabled={busy}>{busy ? "Creating…" : "Create account"}</button>
      </form>
      <p>
        Have an account? <Link to="/sign-in">Sign in</Link>.
      </p>
    </section>
  );
}
