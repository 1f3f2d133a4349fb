// "Follow this file" on the report page (GET|POST|DELETE /v1/files/{sha256}/follow): a followed
// file's verdict changes put a notice in the inbox. A 404 on the read means "not followed".

import { useEffect, useState } from "react";
import { ApiError } from "../api/errors";
import { notificationApi } from "../api/notifications";
import { ErrorNotice } from "../components/ui";

export function FollowFile({ sha256 }: { sha256: string }) {
  const [following, setFollowing] = useState<boolean | null>(null);
  const [via, setVia] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    notificationApi.follow(sha256).then(
      (view) => { setFollowing(true); setVia(view.via); },
      (caught: unknown) => {
        if (caught instanceof ApiError && caught.code === "follow_not_found") setFollowing(false);
        else setError(caught);
      },
    );
  }, [sha256]);

  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      if (following) {
        await notificationApi.stopFollowing(sha256);
        setFollowing(false);
        setVia(null);
      } else {
        const view = await notificationApi.startFollowing(sha256);
        setFollowing(true);
        setVia(view.via);
      }
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (following === null) return error ? <ErrorNotice error={error} /> : null;
  return (
    <div className="follow" data-testid="follow-file">
      <button type="button" className="secondary" aria-pressed={following} onClick={toggle} disabled={busy}>
        {following ? "Following this file" : "Follow this file"}
      </button>{" "}
      <span className="hint">
        {following
          ? `You are told when its verdict changes${via === "upload" ? " (you uploaded it)" : ""}. Press to stop.`
          : "Be told in your inbox when its verdict changes."}
      </span>
      <ErrorNotice error={error} />
    </div>
  );
}
