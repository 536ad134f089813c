import { useState } from "react";
import { get, post } from "../../api/client";
import type { AdminUser, AdminUsersPage, EnabledUser } from "../../api/types";
import { dateTime } from "../../components/format";
import { Notice } from "../../components/Notice";
import { asApiError, useResource } from "../../components/useResource";

export default function AdminPage() {
  const [token, setToken] = useState<string | null>(null);
  const users = useResource<AdminUsersPage>(`users:${token ?? ""}`, (signal) => get<AdminUsersPage>("/admin/users", { query: { nextToken: token ?? undefined }, signal }));
  const [actionError, setActionError] = useState<Error | null>(null);
  const [done, setDone] = useState("");
  const [busy, setBusy] = useState("");

  async function enable(user: AdminUser) {
    setBusy(user.username);
    setActionError(null);
    try {
      await post<EnabledUser>(`/admin/users/${encodeURIComponent(user.username)}/enable`);
      await users.reload();
      setDone(`${user.email ?? user.username} is enabled again; their inactivity clock starts now.`);
    } catch (e) {
      setActionError(asApiError(e));
    } finally {
      setBusy("");
    }
  }

  const page = users.data;
  return (
    <>
      <h1>Users</h1>
      <p>Everyone in this stack's user pool, with their latest sign-in and when inactivity would disable them.</p>
      <Notice error={actionError ?? users.error} onRetry={() => void users.reload()} message={done} />
      {page && !page.remediation ? <p>Inactive-user remediation is switched off in this stack: no sign-ins are tracked.</p> : null}
      {page ? (
        <div className="scroll" role="region" aria-label="Users table" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">Inactive after</th>
                <th scope="col">State</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((u) => (
                <tr key={u.username}>
                  <th scope="row">
                    {u.email ?? u.username}
                    {u.admin ? <span className="tag">admin</span> : null}
                  </th>
                  <td>{dateTime(u.lastSignIn)}</td>
                  <td>{u.exempt ? "never (exempt)" : dateTime(u.inactivityExpiresAt)}</td>
                  <td>
                    {u.enabled ? "enabled" : <strong>disabled</strong>}
                    {u.exempt ? <span className="tag">exempt</span> : null}
                  </td>
                  <td>
                    {!u.enabled ? (
                      <button type="button" onClick={() => void enable(u)} disabled={busy === u.username} aria-label={`Re-enable ${u.email ?? u.username}`}>
                        {busy === u.username ? "Re-enabling…" : "Re-enable"}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : users.loading ? (
        <p role="status">Loading users…</p>
      ) : null}
      <nav aria-label="Pages of users" className="pager">
        {token ? (
          <button type="button" onClick={() => setToken(null)}>
            First page
          </button>
        ) : null}
        {page?.nextToken ? (
          <button type="button" onClick={() => setToken(page.nextToken ?? null)}>
            Next page
          </button>
        ) : null}
      </nav>
    </>
  );
}
