import { useCallback, useState, type FormEvent } from "react";
import { useSearch } from "wouter";
import { navigate } from "wouter/use-browser-location";
import { get } from "../../api/client";
import type { CountersResponse } from "../../api/types";
import { ago } from "../../components/format";
import { Notice } from "../../components/Notice";
import { useResource } from "../../components/useResource";
import { Chart } from "./Chart";
import { KNOWN_EVENTS, MAX_EVENTS, MAX_HOURS, parseQuery, RANGES, toSearch, withChange, type DashboardQuery } from "./query";
import { useAutoRefresh, useNow } from "./useAutoRefresh";

function pointLabel(dateHour: string, resolution: string): string {
  const d = new Date(`${dateHour}Z`);
  return resolution === "minute" ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : d.toLocaleString([], { dateStyle: "short", timeStyle: "short" });
}

export default function DashboardPage() {
  const search = useSearch();
  const query = parseQuery(search);
  const key = toSearch(query);
  const counters = useResource<CountersResponse>(key, (signal) =>
    get<CountersResponse>("/counters", { query: { events: query.events.join(","), hours: query.hours, resolution: query.resolution }, signal }),
  );
  const [paused, setPaused] = useState(false);
  const refresh = useCallback(() => void counters.reload(), [counters.reload]);
  const { hidden } = useAutoRefresh(refresh, paused, counters.loadedAt);
  const now = useNow();
  const [drawnFor, setDrawnFor] = useState("");

  const change = (next: Partial<DashboardQuery>) => navigate(`/?${toSearch(withChange(query, next))}`);
  const toggle = (event: string) => {
    const events = query.events.includes(event) ? query.events.filter((e) => e !== event) : [...query.events, event];
    if (events.length && events.length <= MAX_EVENTS) change({ events });
  };
  const addEvent = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const input = e.currentTarget.elements.namedItem("event") as HTMLInputElement;
    const name = input.value.trim();
    if (name && !query.events.includes(name) && query.events.length < MAX_EVENTS) change({ events: [...query.events, name] });
    input.value = "";
  };
  const data = counters.data;
  const shown = data;
  const choices = [...new Set([...KNOWN_EVENTS, ...query.events])];

  return (
    <>
      <h1>Dashboard</h1>
      <section aria-label="What to show" className="controls">
        <fieldset>
          <legend>Events</legend>
          {choices.map((event) => (
            <label key={event} className="check">
              <input type="checkbox" checked={query.events.includes(event)} onChange={() => toggle(event)} /> {event}
            </label>
          ))}
          <form onSubmit={addEvent} className="inline">
            <label htmlFor="add-event" className="visually-hidden">
              Another event name
            </label>
            <input id="add-event" name="event" placeholder="another event" maxLength={64} disabled={query.events.length >= MAX_EVENTS} />
            <button type="submit" disabled={query.events.length >= MAX_EVENTS}>
              Add
            </button>
          </form>
        </fieldset>
        <label>
          Range{" "}
          <select value={query.hours} onChange={(e) => change({ hours: Number(e.target.value) })}>
            {RANGES.map((r) => (
              <option key={r.hours} value={r.hours}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Resolution{" "}
          <select value={query.resolution} onChange={(e) => change({ resolution: e.target.value as DashboardQuery["resolution"] })}>
            <option value="minute" disabled={query.hours > MAX_HOURS.minute}>
              per minute
            </option>
            <option value="hour">per hour</option>
          </select>
        </label>
        <div className="refresh">
          <span role="status" aria-live="off" data-testid="updated">
            {counters.loadedAt ? `Updated ${ago(counters.loadedAt, now)}` : counters.loading ? "Loading…" : ""}
            {hidden ? " · paused while the tab is hidden" : paused ? " · auto refresh paused" : " · refreshes every 30 s"}
          </span>
          <button type="button" onClick={() => setPaused(!paused)} aria-pressed={paused}>
            {paused ? "Resume auto refresh" : "Pause auto refresh"}
          </button>
          <button type="button" onClick={refresh} disabled={counters.loading}>
            Refresh now
          </button>
        </div>
      </section>
      <Notice error={counters.error} onRetry={refresh} />
      {shown ? (
        <>
          <figure className="chart-figure" data-drawn={drawnFor === key ? "true" : "false"} aria-labelledby="chart-caption">
            <Chart
              data={shown}
              onDrawn={() => {
                if (drawnFor !== key && shown.series.some((s) => s.points.length)) {
                  performance.mark("stratus:dashboard-drawn");
                  setDrawnFor(key);
                }
              }}
            />
            <figcaption id="chart-caption">
              {shown.series.map((s) => s.event).join(", ")}: events per {shown.resolution}, last {shown.hours} h (table below)
            </figcaption>
          </figure>
          <table className="totals">
            <caption>Totals for the range</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Total</th>
              </tr>
            </thead>
            <tbody>
              {shown.series.map((s) => (
                <tr key={s.event}>
                  <th scope="row">{s.event}</th>
                  <td data-testid={`total-${s.event}`}>{s.total}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <details>
            <summary>Points ({shown.series[0]?.points.length ?? 0} per event)</summary>
            <div className="scroll" tabIndex={0} role="region" aria-label="Points table">
              <table className="points">
                <thead>
                  <tr>
                    <th scope="col">Time (local)</th>
                    {shown.series.map((s) => (
                      <th scope="col" key={s.event}>
                        {s.event}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {(shown.series[0]?.points ?? []).map((p, i) => (
                    <tr key={p.dateHour} data-datehour={p.dateHour}>
                      <th scope="row">{pointLabel(p.dateHour, shown.resolution)}</th>
                      {shown.series.map((s) => (
                        <td key={s.event}>{s.points[i]?.count ?? 0}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      ) : counters.loading ? (
        <p role="status">Loading the counters…</p>
      ) : null}
    </>
  );
}
