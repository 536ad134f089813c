import type { ApiError } from "../api/client";

/** The page's live region: always in the DOM so screen readers announce what appears in it. */
export function Notice({ error, onRetry, message }: { error?: ApiError | Error | null; onRetry?: () => void; message?: string }) {
  const retryable = error && (!("retryable" in error) || error.retryable);
  return (
    <div className="notice" aria-live="polite">
      {error ? (
        <div role="alert" className="error">
          <span>{error.message}</span>
          {onRetry && retryable ? (
            <button type="button" onClick={onRetry}>
              Try again
            </button>
          ) : null}
        </div>
      ) : message ? (
        <div role="status" className="info">
          {message}
        </div>
      ) : null}
    </div>
  );
}
