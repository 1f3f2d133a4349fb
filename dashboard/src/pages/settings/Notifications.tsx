// Settings → Notifications (GET|PUT /v1/notifications/preferences): per kind, whether it shows in
// the inbox, is mailed (one by one or in the daily digest) and is sent to webhooks. Security kinds
// are shown locked with the reason: the service refuses to turn their inbox and e-mail off.

import { useEffect, useState } from "react";
import { kindName, notificationApi, type KindPreference, type Preferences } from "../../api/notifications";
import { ErrorNotice } from "../../components/ui";
import { SettingsFrame } from "./SettingsNav";

type Channel = "in_app" | "email" | "webhook" | "digest";
const CHANNELS: [Channel, string][] = [
  ["in_app", "In the app"],
  ["email", "E-mail"],
  ["digest", "Daily digest instead of each mail"],
  ["webhook", "Webhooks"],
];

function locked(pref: KindPreference, channel: Channel): boolean {
  return pref.mandatory && (channel === "in_app" || channel === "email");
}

export function NotificationSettingsPage() {
  const [prefs, setPrefs] = useState<Preferences | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    notificationApi.preferences().then(setPrefs, setError);
  }, []);

  const change = (kind: string, channel: Channel, value: boolean) => {
    setSaved(false);
    setPrefs((old) => old && {
      ...old,
      kinds: old.kinds.map((pref) => (pref.kind === kind ? { ...pref, [channel]: value } : pref)),
    });
  };

  const save = async () => {
    if (!prefs) return;
    setBusy(true);
    setError(null);
    try {
      setPrefs(await notificationApi.savePreferences({ kinds: prefs.kinds, follow_uploads: prefs.follow_uploads }));
      setSaved(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <SettingsFrame title="Notifications">
      <p>Choose how each kind of notice reaches you. Webhooks go to the endpoints in <a href="/settings/webhooks">Webhooks</a>.</p>
      <ErrorNotice error={error} />
      {prefs === null ? (
        !error && <p aria-busy="true">Loading your choices…</p>
      ) : (
        <form onSubmit={(event) => { event.preventDefault(); void save(); }} aria-label="Notification choices">
          <label>
            <input type="checkbox" checked={prefs.follow_uploads ?? false}
              onChange={(event) => { setSaved(false); setPrefs({ ...prefs, follow_uploads: event.target.checked }); }} />
            Follow every file I upload (tell me when its verdict changes)
          </label>
          <div className="table-wrap">
            <table data-testid="notification-preferences">
              <caption className="sr-only">Channels per kind of notice</caption>
              <thead>
                <tr><th scope="col">Kind</th>{CHANNELS.map(([, label]) => <th key={label} scope="col">{label}</th>)}</tr>
              </thead>
              <tbody>
                {prefs.kinds.map((pref) => (
                  <tr key={pref.kind}>
                    <th scope="row">
                      {kindName(pref.kind)}
                      {pref.mandatory && (
                        <p className="hint">Locked: it tells you when someone may be using your account, so it always
                          shows in the app and is always mailed.</p>
                      )}
                    </th>
                    {CHANNELS.map(([channel, label]) => (
                      <td key={channel}>
                        <input type="checkbox" aria-label={`${kindName(pref.kind)}: ${label}`}
                          checked={pref[channel]} disabled={locked(pref, channel)}
                          onChange={(event) => change(pref.kind, channel, event.target.checked)} />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <button type="submit" disabled={busy}>{busy ? "Saving…" : "Save"}</button>
          {saved && <p role="status">Saved.</p>}
        </form>
      )}
    </SettingsFrame>
  );
}
