import { useState, type FormEvent } from "react";
import { del, get, patch, post } from "../../api/client";
import type {
  CreatedWebhookEndpoint,
  SourcesPage,
  WebhookAttemptPage,
  WebhookEndpoint,
  WebhookEndpointPage,
  WebhookEventTypes,
  WebhookQueued,
  WebhookSecret,
} from "../../api/types";
import { isAdmin } from "../../auth/session";
import { dateTime } from "../../components/format";
import { Notice } from "../../components/Notice";
import { asApiError, useResource } from "../../components/useResource";

/** A secret is shown once, right after it is made; the page never stores it. */
function SecretOnce({ secret, onDone }: { secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="secret" role="region" aria-label="Signing secret">
      <p>
        <strong>Copy the signing secret now:</strong> it is shown only this once.
      </p>
      <code data-testid="secret">{secret}</code>{" "}
      <button
        type="button"
        onClick={() => {
          void navigator.clipboard?.writeText(secret).then(() => setCopied(true));
        }}
      >
        {copied ? "Copied" : "Copy"}
      </button>{" "}
      <button type="button" onClick={onDone}>
        Done
      </button>
    </div>
  );
}

export function parseTypes(text: string): string[] | undefined {
  const types = text.split(/[\s,]+/).map((t) => t.trim()).filter(Boolean);
  return types.length ? types : undefined;
}

function Attempts({ endpoint }: { endpoint: WebhookEndpoint }) {
  const attempts = useResource<WebhookAttemptPage>(`attempts:${endpoint.id}`, (signal) =>
    get<WebhookAttemptPage>(`/webhooks/endpoints/${encodeURIComponent(endpoint.id)}/attempts`, { signal }),
  );
  const [done, setDone] = useState("");
  const [error, setError] = useState<Error | null>(null);
  async function replay(messageId: string) {
    try {
      await post<WebhookQueued>(`/webhooks/messages/${encodeURIComponent(messageId)}/replay`, { endpointId: endpoint.id });
      setDone(`Message ${messageId} will be sent again.`);
    } catch (e) {
      setError(asApiError(e));
    }
  }
  async function recover(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const since = new FormData(event.currentTarget).get("since");
    try {
      await post<WebhookQueued>(`/webhooks/endpoints/${encodeURIComponent(endpoint.id)}/recover`, { since: new Date(String(since)).toISOString() });
      setDone("Every failed delivery since then will be sent again.");
    } catch (e) {
      setError(asApiError(e));
    }
  }
  return (
    <div>
      <Notice error={error ?? attempts.error} onRetry={() => void attempts.reload()} message={done} />
      <form onSubmit={recover} className="inline">
        <label htmlFor={`since-${endpoint.id}`}>Recover failed deliveries since</label>
        <input id={`since-${endpoint.id}`} name="since" type="datetime-local" required />
        <button type="submit">Recover</button>
      </form>
      <div className="scroll" role="region" aria-label={`Delivery attempts to ${endpoint.url}`} tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">Attempt</th>
              <th scope="col">Result</th>
              <th scope="col">Time</th>
              <th scope="col">Replay</th>
            </tr>
          </thead>
          <tbody>
            {(attempts.data?.items ?? []).map((a) => (
              <tr key={`${a.messageId}-${a.attempt}`}>
                <td>{dateTime(a.at)}</td>
                <td>{a.eventType}</td>
                <td>{a.attempt}</td>
                <td title={a.response ?? undefined}>{a.statusCode ?? a.error ?? "—"}</td>
                <td>{a.durationMs !== undefined && a.durationMs !== null ? `${a.durationMs} ms` : "—"}</td>
                <td>
                  <button type="button" onClick={() => void replay(a.messageId)} aria-label={`Replay message ${a.messageId}`}>
                    Replay
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function EndpointCard({ endpoint, onChanged, onError }: { endpoint: WebhookEndpoint; onChanged: (secret?: string) => void; onError: (e: Error) => void }) {
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [open, setOpen] = useState(false);
  const run = async <T,>(action: () => Promise<T>, secretOf?: (r: T) => string) => {
    try {
      const result = await action();
      onChanged(secretOf?.(result));
    } catch (e) {
      onError(asApiError(e));
    }
  };
  const path = `/webhooks/endpoints/${encodeURIComponent(endpoint.id)}`;
  return (
    <li className="card">
      <h3>{endpoint.url}</h3>
      <p className="meta">
        {endpoint.enabled ? "enabled" : <strong>disabled</strong>} · {endpoint.eventTypes?.length ? endpoint.eventTypes.join(", ") : "every event type"}
        {endpoint.description ? ` · ${endpoint.description}` : ""}
      </p>
      <p className="meta">
        Signing secret: <span data-testid="masked-secret">whsec_••••••••</span>
      </p>
      {editing ? (
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            const types = parseTypes(String(new FormData(e.currentTarget).get("types")));
            void run(() => patch<WebhookEndpoint>(path, { eventTypes: types ?? null })).then(() => setEditing(false));
          }}
        >
          <label htmlFor={`types-${endpoint.id}`}>Event types (empty: all)</label>
          <input id={`types-${endpoint.id}`} name="types" defaultValue={endpoint.eventTypes?.join(", ") ?? ""} />
          <button type="submit">Save</button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : null}
      <div className="actions">
        <button type="button" onClick={() => setEditing(true)}>
          Edit event types
        </button>
        <button type="button" onClick={() => void run(() => patch<WebhookEndpoint>(path, { enabled: !endpoint.enabled }))}>
          {endpoint.enabled ? "Disable" : "Enable"}
        </button>
        <button type="button" onClick={() => void run(() => post<WebhookSecret>(`${path}/secret/rotate`, {}), (r) => r.secret)}>
          Rotate secret
        </button>
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? "Hide deliveries" : "Deliveries"}
        </button>
        {confirming ? (
          <span role="group" aria-label={`Confirm deleting ${endpoint.url}`}>
            Delete this endpoint?{" "}
            <button type="button" className="danger" onClick={() => void run(() => del(path))}>
              Yes, delete
            </button>{" "}
            <button type="button" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </span>
        ) : (
          <button type="button" onClick={() => setConfirming(true)} aria-label={`Delete endpoint ${endpoint.url}`}>
            Delete
          </button>
        )}
      </div>
      {open ? <Attempts endpoint={endpoint} /> : null}
    </li>
  );
}

function Sources() {
  const sources = useResource<SourcesPage>("sources", (signal) => get<SourcesPage>("/webhooks/sources", { signal }));
  const [error, setError] = useState<Error | null>(null);
  async function remove(name: string) {
    try {
      await del(`/webhooks/sources/${encodeURIComponent(name)}`);
      await sources.reload();
    } catch (e) {
      setError(asApiError(e));
    }
  }
  return (
    <section aria-labelledby="sources-heading">
      <h2 id="sources-heading">Incoming sources</h2>
      <Notice error={error ?? sources.error} onRetry={() => void sources.reload()} />
      <ul>
        {(sources.data?.items ?? []).map((s) => (
          <li key={s.source}>
            <strong>{s.source}</strong> ({s.scheme}
            {s.targets?.length ? `, to ${s.targets.join(", ")}` : ""}){" "}
            <button type="button" className="link" onClick={() => void remove(s.source)} aria-label={`Remove source ${s.source}`}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      {sources.data && !sources.data.items.length ? <p>No incoming sources are registered.</p> : null}
    </section>
  );
}

export default function WebhooksPage() {
  const endpoints = useResource<WebhookEndpointPage>("endpoints", (signal) => get<WebhookEndpointPage>("/webhooks/endpoints", { signal }));
  const types = useResource<WebhookEventTypes>("event-types", (signal) => get<WebhookEventTypes>("/webhooks/event-types", { signal }));
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<Error | null>(null);

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const target = event.currentTarget;
    setError(null);
    try {
      const created = await post<CreatedWebhookEndpoint>("/webhooks/endpoints", {
        url: String(form.get("url")).trim(),
        eventTypes: parseTypes(String(form.get("types") ?? "")),
        description: String(form.get("description") ?? "").trim() || undefined,
      });
      setSecret(created.secret);
      target.reset();
      await endpoints.reload();
    } catch (e) {
      setError(asApiError(e));
    }
  }

  return (
    <>
      <h1>Webhooks</h1>
      {secret ? <SecretOnce secret={secret} onDone={() => setSecret("")} /> : null}
      <Notice error={error ?? endpoints.error} onRetry={() => void endpoints.reload()} />
      <form onSubmit={create} className="stack" aria-labelledby="new-endpoint">
        <h2 id="new-endpoint">Add an endpoint</h2>
        <label htmlFor="endpoint-url">HTTPS URL</label>
        <input id="endpoint-url" name="url" type="url" required placeholder="https://example.com/webhooks" />
        <label htmlFor="endpoint-types">Event types (comma separated; empty: all)</label>
        <input id="endpoint-types" name="types" list="event-type-names" />
        <datalist id="event-type-names">
          {(types.data?.items ?? []).map((t) => (
            <option key={t.name} value={t.name}>
              {t.description}
            </option>
          ))}
        </datalist>
        <label htmlFor="endpoint-description">Description</label>
        <input id="endpoint-description" name="description" maxLength={200} />
        <button type="submit">Add endpoint</button>
      </form>
      <h2>Endpoints</h2>
      {endpoints.data?.items.length ? (
        <ul className="cards">
          {endpoints.data.items.map((e) => (
            <EndpointCard
              key={e.id}
              endpoint={e}
              onError={setError}
              onChanged={(fresh) => {
                if (fresh) setSecret(fresh);
                void endpoints.reload();
              }}
            />
          ))}
        </ul>
      ) : endpoints.loading ? (
        <p role="status">Loading endpoints…</p>
      ) : !endpoints.error ? (
        <p>No endpoints yet.</p>
      ) : null}
      {isAdmin() ? <Sources /> : null}
    </>
  );
}
