// Settings → Webhooks (nexus-notification /v1/webhooks/endpoints): endpoints that receive the
// account's notices as signed POSTs. A new or rotated signing secret is in that one answer only:
// shown once with a copy button, kept in component state alone, dropped when the person confirms.
// After a rotation the previous secret keeps signing beside the new one for a while, so receivers
// can switch without losing messages; the page says until when.

import { useCallback, useEffect, useState, type FormEvent } from "react";
import { KINDS, endpointState, kindName, webhookApi, webhookUrlProblem, type WebhookEndpoint } from "../../api/notifications";
import { formatDate } from "../../components/format";
import { EmptyState, ErrorNotice, Field } from "../../components/ui";
import { SettingsFrame } from "./SettingsNav";
import { WebhookDeliveries } from "./WebhookDeliveries";
import "../notifications.css";

interface Shown {
  title: string;
  secret: string;
  overlapUntil?: string;
  copied?: boolean;
}

export function WebhookSettingsPage() {
  const [endpoints, setEndpoints] = useState<WebhookEndpoint[] | null>(null);
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [types, setTypes] = useState<string[]>([]);
  const [urlProblem, setUrlProblem] = useState<string | undefined>();
  const [secret, setSecret] = useState<Shown | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [log, setLog] = useState<string | null>(null);
  const [copyProblem, setCopyProblem] = useState(false);

  const load = useCallback(() => {
    webhookApi.endpoints().then((page) => setEndpoints(page.items), setError);
  }, []);
  useEffect(load, [load]);

  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      load();
    } catch (caught) {
      setError(caught);
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problem = webhookUrlProblem(url);
    setUrlProblem(problem);
    if (problem) return;
    setBusy(true);
    await act(async () => {
      const created = await webhookApi.create({ url: url.trim(), description: description.trim(), event_types: types });
      setSecret({ title: `the secret of ${created.endpoint.url}`, secret: created.secret });
      setUrl("");
      setDescription("");
      setTypes([]);
    });
    setBusy(false);
  };

  const rotate = (endpoint: WebhookEndpoint) =>
    act(async () => {
      const rotated = await webhookApi.rotate(endpoint.id);
      setSecret({ title: `the new secret of ${endpoint.url}`, secret: rotated.secret, overlapUntil: rotated.previous_secret_until });
    });

  const copy = async () => {
    if (!secret) return;
    try {
      await navigator.clipboard.writeText(secret.secret);
      setSecret({ ...secret, copied: true });
      setCopyProblem(false);
    } catch {
      setCopyProblem(true);
    }
  };

  const toggle = (kind: string) => setTypes((old) => (old.includes(kind) ? old.filter((item) => item !== kind) : [...old, kind]));

  return (
    <SettingsFrame title="Webhooks">
      <p>Webhooks send your notices to a program as signed HTTP POSTs (Standard Webhooks: check the <code>webhook-signature</code> header with the endpoint's secret).</p>
      <ErrorNotice error={error} />
      {secret && (
        <div className="notice secret" role="alert" data-testid="webhook-secret">
          <p><strong>Copy {secret.title} now: it is shown only this once.</strong> Your receiver needs it to check signatures.</p>
          {secret.overlapUntil && (
            <p>The previous secret still signs beside this one until {formatDate(secret.overlapUntil)}, so update your receiver before then.</p>
          )}
          <p><code className="secret-value">{secret.secret}</code></p>
          {copyProblem && <p className="field-error">The browser did not allow copying: select the secret and copy it yourself.</p>}
          <div className="actions">
            <button type="button" onClick={copy}>{secret.copied ? "Copied" : "Copy the secret"}</button>
            <button type="button" className="secondary" onClick={() => setSecret(null)}>I stored it; hide it</button>
          </div>
        </div>
      )}
      <form onSubmit={submit} noValidate aria-label="Add a webhook endpoint">
        <Field label="URL" name="url" type="url" value={url} onChange={(event) => setUrl(event.target.value)} error={urlProblem}
          hint="A public https:// address; private and local addresses are refused." />
        <Field label="Description (optional)" name="description" value={description} maxLength={512}
          onChange={(event) => setDescription(event.target.value)} />
        <fieldset className="scopes">
          <legend>Kinds to send (none chosen: every kind)</legend>
          {KINDS.map((kind) => (
            <label key={kind}>
              <input type="checkbox" checked={types.includes(kind)} onChange={() => toggle(kind)} />
              {kindName(kind)}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={busy}>{busy ? "Adding…" : "Add the endpoint"}</button>
      </form>
      <h2>Your endpoints</h2>
      {endpoints === null ? (
        !error && <p aria-busy="true">Loading endpoints…</p>
      ) : endpoints.length === 0 ? (
        <EmptyState title="No webhook endpoint">
          <p>Add an endpoint above to receive your notices in your own program.</p>
        </EmptyState>
      ) : (
        <ul className="endpoint-list" data-testid="webhook-endpoints">
          {endpoints.map((endpoint) => (
            <li key={endpoint.id}>
              <h3><code>{endpoint.url}</code></h3>
              {endpoint.description && <p>{endpoint.description}</p>}
              <p>{endpointState(endpoint)} · {endpoint.event_types.length ? endpoint.event_types.map(kindName).join(", ") : "Every kind"}</p>
              {endpoint.previous_secret_until && new Date(endpoint.previous_secret_until) > new Date() && (
                <p className="hint">The previous secret also signs until {formatDate(endpoint.previous_secret_until)}.</p>
              )}
              <div className="actions">
                <button type="button" className="secondary" onClick={() => act(() => webhookApi.update(endpoint.id, { enabled: !endpoint.enabled }))}>
                  {endpoint.enabled ? "Disable" : "Enable"}
                </button>
                <button type="button" className="secondary" onClick={() => rotate(endpoint)}>Rotate the secret</button>
                <button type="button" className="secondary" aria-expanded={log === endpoint.id}
                  onClick={() => setLog(log === endpoint.id ? null : endpoint.id)}>Delivery log</button>
                {confirming === endpoint.id ? (
                  <>
                    <button type="button" onClick={() => act(() => webhookApi.remove(endpoint.id)).then(() => setConfirming(null))}>
                      Delete it for good
                    </button>
                    <button type="button" className="secondary" onClick={() => setConfirming(null)}>Keep it</button>
                  </>
                ) : (
                  <button type="button" className="secondary" onClick={() => setConfirming(endpoint.id)}>Delete</button>
                )}
              </div>
              {log === endpoint.id && <WebhookDeliveries endpointId={endpoint.id} />}
            </li>
          ))}
        </ul>
      )}
    </SettingsFrame>
  );
}
