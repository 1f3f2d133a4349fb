// Settings → two-factor authentication (nexus-auth TOTP): enrol (`POST /v1/auth/mfa/totp`, which
// answers the secret, the otpauth URI and that URI as an SVG QR code), confirm with a first code
// (the answer lists recovery codes, shown once), disable with the password. The QR code is the
// service's SVG shown as an <img> data: URL (the CSP allows img-src data:; an SVG in an <img>
// runs no script), so the page needs no QR library.

import { useState, type FormEvent } from "react";
import { settingsApi } from "../../api/endpoints";
import type { TotpEnrolment } from "../../api/types";
import { ErrorNotice, Field } from "../../components/ui";
import { totpProblem } from "../validation";
import { SettingsFrame } from "./SettingsNav";

export function qrDataUrl(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

export function MfaSettingsPage() {
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<string | undefined>();
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const [disabled, setDisabled] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<void>) => {
    setError(null);
    setBusy(true);
    try {
      await work();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const enrol = () =>
    run(async () => {
      setRecovery(null);
      setDisabled(false);
      setEnrolment(await settingsApi.enrolTotp());
    });
  const confirm = (event: FormEvent) => {
    event.preventDefault();
    const found = totpProblem(code);
    setProblem(found);
    if (found) return;
    return run(async () => {
      const answer = await settingsApi.confirmTotp(code.trim());
      setRecovery(answer.recovery_codes);
      setEnrolment(null);
      setCode("");
    });
  };
  const disable = (event: FormEvent) => {
    event.preventDefault();
    if (!password) {
      setProblem("Enter your password to turn two-factor authentication off.");
      return;
    }
    setProblem(undefined);
    return run(async () => {
      await settingsApi.disableTotp(password);
      setPassword("");
      setDisabled(true);
    });
  };

  return (
    <SettingsFrame title="Two-factor authentication">
      <p>With an authenticator app, signing in needs a 6-digit code besides your password. Administrators need it for administration.</p>
      <ErrorNotice error={error} />
      {recovery && (
        <div className="notice secret" role="alert" data-testid="recovery-codes">
          <p><strong>Two-factor authentication is on.</strong> Store these recovery codes now: each signs you in once if you lose the app, and they are shown only this once.</p>
          <ul className="codes">{recovery.map((item) => <li key={item}><code>{item}</code></li>)}</ul>
          <button type="button" className="secondary" onClick={() => setRecovery(null)}>I stored them; hide them</button>
        </div>
      )}
      {disabled && <p className="notice" role="status">Two-factor authentication is off.</p>}
      {enrolment ? (
        <form onSubmit={confirm} noValidate aria-label="Confirm the authenticator">
          <h2>Scan the code</h2>
          <img className="qr" src={qrDataUrl(enrolment.qr_svg)} width={200} height={200}
            alt="QR code of the authenticator set-up address; the same secret is written below" data-testid="totp-qr" />
          <p>Or type this secret into the app: <code data-testid="totp-secret">{enrolment.secret}</code></p>
          <Field label="6-digit code from the app" name="code" inputMode="numeric" autoComplete="one-time-code" maxLength={6}
            value={code} onChange={(event) => setCode(event.target.value)} error={problem} />
          <button type="submit" disabled={busy}>Turn on two-factor authentication</button>
        </form>
      ) : (
        <>
          <h2>Enrol an authenticator</h2>
          <button type="button" onClick={enrol} disabled={busy}>Start the enrolment</button>
          <h2>Turn it off</h2>
          <form onSubmit={disable} noValidate aria-label="Turn off two-factor authentication">
            <Field label="Password" name="password" type="password" autoComplete="current-password" value={password}
              onChange={(event) => setPassword(event.target.value)} error={problem} />
            <button type="submit" className="secondary" disabled={busy}>Turn off two-factor authentication</button>
          </form>
        </>
      )}
    </SettingsFrame>
  );
}
