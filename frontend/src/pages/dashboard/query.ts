// The dashboard's state lives in the URL (?events=page view,click&hours=6&resolution=minute), so a link
// shows the same dashboard and Back undoes a change.
import type { Resolution } from "../../api/types";

export interface DashboardQuery {
  events: string[];
  hours: number;
  resolution: Resolution;
}

export const KNOWN_EVENTS = ["page view", "impression", "click"];
export const MAX_EVENTS = 5;
export const MAX_HOURS: Record<Resolution, number> = { minute: 24, hour: 168 };
export const RANGES: { hours: number; label: string }[] = [
  { hours: 1, label: "1 hour" },
  { hours: 6, label: "6 hours" },
  { hours: 24, label: "24 hours" },
  { hours: 72, label: "3 days" },
  { hours: 168, label: "7 days" },
];
export const DEFAULT_QUERY: DashboardQuery = { events: ["page view", "click"], hours: 1, resolution: "minute" };

export function parseQuery(search: string): DashboardQuery {
  const params = new URLSearchParams(search);
  const resolution: Resolution = params.get("resolution") === "hour" ? "hour" : params.get("resolution") === "minute" ? "minute" : DEFAULT_QUERY.resolution;
  const events = [
    ...new Set(
      (params.get("events") ?? DEFAULT_QUERY.events.join(","))
        .split(",")
        .map((e) => e.trim())
        .filter(Boolean),
    ),
  ].slice(0, MAX_EVENTS);
  const hours = Number.parseInt(params.get("hours") ?? "", 10);
  const limit = MAX_HOURS[resolution];
  return {
    events: events.length ? events : DEFAULT_QUERY.events,
    hours: Number.isFinite(hours) && hours >= 1 ? Math.min(hours, limit) : Math.min(DEFAULT_QUERY.hours, limit),
    resolution,
  };
}

export function toSearch(query: DashboardQuery): string {
  const params = new URLSearchParams({ events: query.events.join(","), hours: String(query.hours), resolution: query.resolution });
  return params.toString().replace(/\+/g, "%20");
}

/** A change that keeps the query valid: a range too long for minutes switches to hours. */
export function withChange(query: DashboardQuery, change: Partial<DashboardQuery>): DashboardQuery {
  const next = { ...query, ...change };
  if (change.hours !== undefined && change.resolution === undefined && next.hours > MAX_HOURS.minute) next.resolution = "hour";
  next.hours = Math.min(next.hours, MAX_HOURS[next.resolution]);
  return next;
}
