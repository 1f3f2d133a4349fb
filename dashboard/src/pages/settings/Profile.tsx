// Settings → profile: nexus-user's `GET|PATCH /v1/users/me`. Only changed fields are sent; an
// emptied field is cleared (`null`), as the API documents.

import { useEffect, useState, type FormEvent } from "react";
import { settingsApi } from "../../api/endpoints";
import type { OwnProfile } from "../../api/types";
import { ErrorNotice, Field } from "../../components/ui";
import type { Problems } from "../validation";
import { profileChanges, profileProblems, type ProfileField, type ProfileValues } from "./checks";
import { SettingsFrame } from "./SettingsNav";

function valuesOf(profile: OwnProfile): ProfileValues {
  return {
    display_name: profile.display_name ?? "",
    bio: profile.bio ?? "",
    avatar_url: profile.avatar_url ?? "",
    website: profile.website ?? "",
    full_name: profile.full_name ?? "",
  };
}

export function ProfileSettingsPage() {
  const [profile, setProfile] = useState<OwnProfile | null>(null);
  const [values, setValues] = useState<ProfileValues | null>(null);
  const [problems, setProblems] = useState<Problems<ProfileField>>({});
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    settingsApi.profile().then((loaded) => {
      setProfile(loaded);
      setValues(valuesOf(loaded));
    }, setError);
  }, []);

  if (!profile || !values) {
    return (
      <SettingsFrame title="Profile">
        <ErrorNotice error={error} />
        {!error && <p aria-busy="true">Loading your profile…</p>}
      </SettingsFrame>
    );
  }

  const set = (field: ProfileField) => (event: { target: { value: string } }) => {
    setSaved(false);
    setValues((old) => (old ? { ...old, [field]: event.target.value } : old));
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = profileProblems(values);
    setProblems(found);
    setError(null);
    setSaved(false);
    if (Object.keys(found).length > 0) return;
    const changes = profileChanges(valuesOf(profile), values);
    if (Object.keys(changes).length === 0) {
      setSaved(true);
      return;
    }
    setBusy(true);
    try {
      const updated = await settingsApi.updateProfile(changes);
      setProfile(updated);
      setValues(valuesOf(updated));
      setSaved(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <SettingsFrame title="Profile">
      <dl className="facts">
        <div><dt>User name</dt><dd>{profile.username}</dd></div>
        <div><dt>E-mail</dt><dd>{profile.email}</dd></div>
        <div><dt>Role</dt><dd>{profile.roles.join(", ")}</dd></div>
        <div><dt>Referral code</dt><dd><code>{profile.referral_code}</code></dd></div>
      </dl>
      <form onSubmit={submit} noValidate aria-label="Edit profile">
        <ErrorNotice error={error} />
        <Field label="Display name" name="display_name" value={values.display_name} onChange={set("display_name")}
          error={problems.display_name} hint="Shown to others instead of your user name; at most 64 characters." />
        <div className="field">
          <label htmlFor="profile-bio">Biography</label>
          <textarea id="profile-bio" name="bio" rows={4} value={values.bio} onChange={set("bio")}
            aria-invalid={problems.bio ? true : undefined} aria-describedby={problems.bio ? "profile-bio-error" : undefined} />
          {problems.bio && <p id="profile-bio-error" className="field-error">{problems.bio}</p>}
        </div>
        <Field label="Website" name="website" type="url" value={values.website} onChange={set("website")}
          error={problems.website} hint="https:// only." />
        <Field label="Avatar image address" name="avatar_url" type="url" value={values.avatar_url}
          onChange={set("avatar_url")} error={problems.avatar_url} hint="https:// only." />
        <Field label="Full name (private)" name="full_name" value={values.full_name} onChange={set("full_name")}
          error={problems.full_name} hint="Only you see it." />
        <button type="submit" disabled={busy}>{busy ? "Saving…" : "Save profile"}</button>
        {saved && <p className="notice" role="status">Profile saved.</p>}
      </form>
    </SettingsFrame>
  );
}
