// Administration → users and roles. The API has no user listing yet, so an administrator finds
// an account by its id (from the audit log, a report or a support request: `GET /v1/users/{id}`)
// and sets its role (`PUT /v1/users/{id}/role`; administrators with a second factor, never on
// themselves; the account's sessions end, so the new role applies at its next sign-in).

import { useEffect, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { adminApi } from "../../api/endpoints";
import { ROLES, type PublicProfile, type RoleName } from "../../api/types";
import { formatDate } from "../../components/format";
import { ErrorNotice, Field } from "../../components/ui";
import { AdminFrame } from "./AdminNav";

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function AdminUsersPage() {
  const [params, setParams] = useSearchParams();
  const [id, setId] = useState(params.get("id") ?? "");
  const [problem, setProblem] = useState<string | undefined>();
  const [user, setUser] = useState<PublicProfile | null>(null);
  const [role, setRole] = useState<RoleName>("user");
  const [done, setDone] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const linked = params.get("id");
  const lookup = async (wanted: string) => {
    setError(null);
    setDone(undefined);
    setUser(null);
    if (!UUID.test(wanted)) {
      setProblem("Enter the account's id, a UUID like 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.");
      return;
    }
    setProblem(undefined);
    setBusy(true);
    try {
      const found = await adminApi.user(wanted);
      setUser(found);
      setRole((ROLES.find((name) => found.roles.includes(name)) ?? "user") as RoleName);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const find = (event: FormEvent) => {
    event.preventDefault();
    const wanted = id.trim();
    // A new id goes into the address (shareable), whose change looks it up below.
    if (UUID.test(wanted) && wanted !== linked) setParams({ id: wanted });
    else void lookup(wanted);
  };
  // An id in the address (a link from the audit log) is looked up on arrival.
  useEffect(() => {
    if (linked) {
      setId(linked);
      void lookup(linked);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [linked]);

  const change = async (event: FormEvent) => {
    event.preventDefault();
    if (!user) return;
    setError(null);
    setDone(undefined);
    setBusy(true);
    try {
      const summary = await adminApi.changeRole(user.user_id, role);
      setUser({ ...user, roles: summary.roles });
      setDone(`${summary.username} is now ${summary.roles.join(", ")}. Their sessions ended; the role applies when they sign in again.`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AdminFrame title="Users and roles">
      <form onSubmit={find} noValidate aria-label="Find an account">
        <Field label="Account id" name="user_id" value={id} onChange={(event) => setId(event.target.value)} error={problem}
          hint="The audit log lists account ids as actors and subjects." spellCheck={false} />
        <button type="submit" disabled={busy}>Find the account</button>
      </form>
      <ErrorNotice error={error} />
      {done && <p className="notice" role="status">{done}</p>}
      {user ? (
        <div className="card" data-testid="admin-user">
          <h2>{user.display_name || user.username}</h2>
          <dl className="facts">
            <div><dt>User name</dt><dd>{user.username}</dd></div>
            <div><dt>Id</dt><dd><code>{user.user_id}</code></dd></div>
            <div><dt>Role</dt><dd data-testid="admin-user-role">{user.roles.join(", ")}</dd></div>
            <div><dt>Member since</dt><dd>{formatDate(user.created_at)}</dd></div>
          </dl>
          <form onSubmit={change} aria-label="Change the role">
            <label>
              New role
              <select value={role} onChange={(event) => setRole(event.target.value as RoleName)}>
                {ROLES.map((name) => <option key={name} value={name}>{name}</option>)}
              </select>
            </label>
            <button type="submit" disabled={busy}>Change the role</button>
          </form>
          <p><Link to={`/admin/audit?subject=${encodeURIComponent(user.user_id)}`}>Audit entries about this account</Link></p>
        </div>
      ) : (
        !error && <p className="muted">Find an account by its id to see and change its role.</p>
      )}
    </AdminFrame>
  );
}
