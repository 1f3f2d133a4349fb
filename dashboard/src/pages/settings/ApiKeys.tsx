// Settings → API keys (nexus-auth `POST|GET /v1/api-keys`, `DELETE /v1/api-keys/{id}`). A new
// key's secret is in the create answer only: the page shows it once with a copy button and a
// warning, keeps it in component state alone, and drops it when the person confirms they stored
// it; the list shows each key's prefix, never more.

import { useCallback, useEffect, useState, type FormEvent } from "react";
import { settingsApi } from "../../api/endpoints";
import type { ApiKeyInfo } from "../../api/types";
import { formatDate } from "../../components/format";
import { EmptyState, ErrorNotice, Field } from "../../components/ui";
import type { Problems } from "../validation";
import { ACTIONS, apiKeyProblems, maskedKey, revealOnce, type ApiKeyForm, type OneTimeSecret } from "./checks";
import { SettingsFrame } from "./SettingsNav";

export function ApiKeySettingsPage() {
  const [keys, setKeys] = useState<ApiKeyInfo[] | null>(null);
  const [form, setForm] = useState<ApiKeyForm>({ name: "", scopes: [], expiresInDays: "" });
  const [problems, setProblems] = useState<Problems<keyof ApiKeyForm>>({});
  const [secret, setSecret] = useState<OneTimeSecret | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [copyProblem, setCopyProblem] = useState(false);

  const load = useCallback(() => {
    settingsApi.apiKeys().then(setKeys, setError);
  }, []);
  useEffect(load, [load]);

  const toggle = (scope: string) =>
    setForm((old) => ({
      ...old,
      scopes: old.scopes.includes(scope) ? old.scopes.filter((item) => item !== scope) : [...old.scopes, scope],
    }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = apiKeyProblems(form);
    setProblems(found);
    setError(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const days = form.expiresInDays.trim();
      const created = await settingsApi.createApiKey({
        name: form.name.trim(),
        scopes: form.scopes,
        ...(days ? { expires_in_days: Number(days) } : {}),
      });
      setSecret(revealOnce(created));
      setForm({ name: "", scopes: [], expiresInDays: "" });
      load();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const copy = async () => {
    if (!secret) return;
    try {
      await navigator.clipboard.writeText(secret.key);
      setSecret({ ...secret, copied: true });
      setCopyProblem(false);
    } catch {
      setCopyProblem(true);
    }
  };

  const revoke = async (keyId: string) => {
    setError(null);
    try {
      await settingsApi.revokeApiKey(keyId);
      load();
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <SettingsFrame title="API keys">
      <p>Programs use an API key (<code>Authorization: ApiKey …</code>) for the actions you allow it, never more than your role.</p>
      <ErrorNotice error={error} />
      {secret && (
        <div className="notice secret" role="alert" data-testid="api-key-secret">
          <p><strong>Copy the key “{secret.info.name}” now: it is shown only this once.</strong> Store it like a password; anyone with it acts as you within its actions.</p>
          <p><code className="secret-value">{secret.key}</code></p>
          {copyProblem && <p className="field-error">The browser did not allow copying: select the key and copy it yourself.</p>}
          <div className="actions">
            <button type="button" onClick={copy}>{secret.copied ? "Copied" : "Copy the key"}</button>
            <button type="button" className="secondary" onClick={() => setSecret(null)}>I stored it; hide it</button>
          </div>
        </div>
      )}
      <form onSubmit={submit} noValidate aria-label="Create an API key">
        <Field label="Name" name="name" value={form.name} onChange={(event) => setForm({ ...form, name: event.target.value })}
          error={problems.name} hint="Where you will use it, e.g. “CI scanner”." />
        <fieldset className="scopes" aria-describedby={problems.scopes ? "scopes-error" : undefined}>
          <legend>Actions the key may perform</legend>
          {ACTIONS.map((action) => (
            <label key={action}>
              <input type="checkbox" checked={form.scopes.includes(action)} onChange={() => toggle(action)} />
              {action}
            </label>
          ))}
        </fieldset>
        {problems.scopes && <p id="scopes-error" className="field-error">{problems.scopes}</p>}
        <Field label="Expires after (days, optional)" name="expires_in_days" inputMode="numeric" value={form.expiresInDays}
          onChange={(event) => setForm({ ...form, expiresInDays: event.target.value })} error={problems.expiresInDays}
          hint="1 to 3650; empty for a key that does not expire." />
        <button type="submit" disabled={busy}>{busy ? "Creating…" : "Create the key"}</button>
      </form>
      <h2>Your keys</h2>
      {keys === null ? (
        !error && <p aria-busy="true">Loading keys…</p>
      ) : keys.length === 0 ? (
        <EmptyState title="No API key">
          <p>Create a key above to call the API from a script or another service.</p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table data-testid="api-key-list">
            <caption className="sr-only">Your API keys</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Actions allowed</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col"><span className="sr-only">Revoke</span></th></tr></thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.key_id}>
                  <td>{key.name}</td>
                  <td><code>{maskedKey(key)}</code></td>
                  <td>{key.scopes.join(", ")}</td>
                  <td>{key.last_used_at ? formatDate(key.last_used_at) : "Never"}</td>
                  <td>{key.revoked_at ? `Revoked ${formatDate(key.revoked_at)}` : key.expires_at ? formatDate(key.expires_at) : "Never"}</td>
                  <td>{!key.revoked_at && (
                    <button type="button" className="secondary" onClick={() => revoke(key.key_id)} aria-label={`Revoke ${key.name}`}>Revoke</button>
                  )}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </SettingsFrame>
  );
}
