// Settings → WebSocket keys: Ed25519 keys a program signs into `/ws` with (nexus-user). The
// private key stays with the program: the page asks for a single-use challenge, shows the exact
// registration message, and the person signs it with their own tool and pastes the signature
// (proof of possession, `ws_key_proof_required` without it).

import { useCallback, useEffect, useState, type FormEvent } from "react";
import { settingsApi } from "../../api/endpoints";
import { currentTokens, subjectOf } from "../../api/session";
import type { WsKey, WsKeyChallenge } from "../../api/types";
import { formatDate, shortHash } from "../../components/format";
import { EmptyState, ErrorNotice, Field } from "../../components/ui";
import type { Problems } from "../validation";
import { publicKeyHex, wsKeyMessage, wsKeyProblems } from "./checks";
import { SettingsFrame } from "./SettingsNav";

type Key = "publicKey" | "label" | "signature";

export function WsKeySettingsPage() {
  const [keys, setKeys] = useState<WsKey[] | null>(null);
  const [values, setValues] = useState({ publicKey: "", label: "", signature: "" });
  const [challenge, setChallenge] = useState<WsKeyChallenge | null>(null);
  const [problems, setProblems] = useState<Problems<Key>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const userId = subjectOf(currentTokens()?.access_token ?? "") ?? "";

  const load = useCallback(() => {
    settingsApi.wsKeys().then((list) => setKeys(list.keys), setError);
  }, []);
  useEffect(load, [load]);

  const set = (key: Key) => (event: { target: { value: string } }) => {
    if (key === "publicKey") setChallenge(null);
    setValues((old) => ({ ...old, [key]: event.target.value }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = wsKeyProblems(values, challenge !== null);
    setProblems(found);
    setError(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      if (!challenge) {
        setChallenge(await settingsApi.wsKeyChallenge());
      } else {
        await settingsApi.registerWsKey({
          public_key: values.publicKey.trim(),
          ...(values.label.trim() ? { label: values.label.trim() } : {}),
          challenge: challenge.challenge,
          signature: values.signature.trim().toLowerCase(),
        });
        setChallenge(null);
        setValues({ publicKey: "", label: "", signature: "" });
        load();
      }
    } catch (caught) {
      setError(caught);
      // A used or lapsed challenge cannot be retried: the next attempt fetches a new one.
      if ((caught as { code?: string }).code === "ws_key_challenge_unknown") setChallenge(null);
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (keyId: string) => {
    setError(null);
    try {
      await settingsApi.revokeWsKey(keyId);
      load();
    } catch (caught) {
      setError(caught);
    }
  };

  const keyHex = publicKeyHex(values.publicKey);
  return (
    <SettingsFrame title="WebSocket keys">
      <p>Programs that follow live events sign in to the WebSocket with an Ed25519 key registered here.</p>
      <ErrorNotice error={error} />
      <form onSubmit={submit} noValidate aria-label="Register a WebSocket key">
        <Field label="Public key" name="public_key" value={values.publicKey} onChange={set("publicKey")}
          error={problems.publicKey} hint="The 32-byte Ed25519 public key, as 64 hex digits or base64." spellCheck={false} />
        <Field label="Label (optional)" name="label" value={values.label} onChange={set("label")} error={problems.label} />
        {challenge && keyHex && (
          <>
            <div className="field">
              <label htmlFor="ws-message">Message to sign with the key (expires {formatDate(challenge.expires_at)})</label>
              <textarea id="ws-message" readOnly rows={4} value={wsKeyMessage(userId, keyHex, challenge.challenge)}
                data-testid="ws-key-message" />
            </div>
            <Field label="Signature" name="signature" value={values.signature} onChange={set("signature")}
              error={problems.signature} hint="The key's Ed25519 signature over the message above, as 128 hex digits."
              spellCheck={false} />
          </>
        )}
        <button type="submit" disabled={busy}>{challenge ? "Register the key" : "Get the message to sign"}</button>
      </form>
      <h2>Registered keys</h2>
      {keys === null ? (
        !error && <p aria-busy="true">Loading keys…</p>
      ) : keys.length === 0 ? (
        <EmptyState title="No WebSocket key">
          <p>Register a key above to let a program sign in to the live feed without your password.</p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table data-testid="ws-key-list">
            <caption className="sr-only">Registered WebSocket keys</caption>
            <thead><tr><th scope="col">Label</th><th scope="col">Public key</th><th scope="col">Registered</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.key_id}>
                  <td>{key.label || <span className="muted">No label</span>}</td>
                  <td><code>{shortHash(key.public_key_hex, 16)}</code></td>
                  <td>{formatDate(key.created_at)}</td>
                  <td><button type="button" className="secondary" onClick={() => revoke(key.key_id)}
                    aria-label={`Revoke key ${key.label || shortHash(key.public_key_hex)}`}>Revoke</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </SettingsFrame>
  );
}
