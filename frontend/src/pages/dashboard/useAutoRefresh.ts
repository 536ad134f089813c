import { useEffect, useState } from "react";

export const REFRESH_SECONDS = 30;

function useVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState !== "hidden");
  useEffect(() => {
    const update = () => setVisible(document.visibilityState !== "hidden");
    document.addEventListener("visibilitychange", update);
    return () => document.removeEventListener("visibilitychange", update);
  }, []);
  return visible;
}

/** Calls `refresh` every 30 s unless paused or the tab is hidden (then once when it shows again, if due). */
export function useAutoRefresh(refresh: () => void, paused: boolean, lastLoaded: number | null): { hidden: boolean } {
  const visible = useVisible();
  useEffect(() => {
    if (paused || !visible) return;
    if (lastLoaded === null) return; // the first load is the page's own
    const due = Math.max(0, lastLoaded + REFRESH_SECONDS * 1000 - Date.now());
    const timer = window.setTimeout(refresh, due);
    return () => window.clearTimeout(timer);
  }, [paused, visible, lastLoaded, refresh]);
  return { hidden: !visible };
}

/** Re-renders every second so "updated N s ago" stays true. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}
