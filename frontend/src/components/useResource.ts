import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../api/client";

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  /** epoch ms of the last successful load */
  loadedAt: number | null;
  reload: () => Promise<void>;
}

export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, error instanceof Error ? error.message : String(error));
}

/** Loads with `load` whenever `key` changes; a failure keeps the last data on screen beside the error. */
export function useResource<T>(key: string, load: (signal: AbortSignal) => Promise<T>): Resource<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadedAt, setLoadedAt] = useState<number | null>(null);
  const loader = useRef(load);
  loader.current = load;
  const inflight = useRef<AbortController | null>(null);

  const reload = useCallback(async () => {
    inflight.current?.abort();
    const controller = new AbortController();
    inflight.current = controller;
    setLoading(true);
    try {
      const value = await loader.current(controller.signal);
      if (controller.signal.aborted) return;
      setData(value);
      setError(null);
      setLoadedAt(Date.now());
    } catch (e) {
      if (controller.signal.aborted || (e as Error).name === "AbortError") return;
      setError(asApiError(e));
    } finally {
      if (!controller.signal.aborted) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void reload();
    return () => inflight.current?.abort();
  }, [key, reload]);

  return { data, error, loading, loadedAt, reload };
}
