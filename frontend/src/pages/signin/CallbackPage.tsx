import { useEffect, useState } from "react";
import { Link } from "wouter";
import { navigate } from "wouter/use-browser-location";
import { completeSignIn } from "../../auth/hosted";
import { save } from "../../auth/session";
import { config } from "../../config";
import { safeNext } from "../../nav";

export default function CallbackPage() {
  const [error, setError] = useState("");
  useEffect(() => {
    const federation = config().federation;
    if (!federation) {
      setError("Single sign-on is not configured for this stack.");
      return;
    }
    completeSignIn(federation, config().clientId, window.location.origin, new URLSearchParams(window.location.search))
      .then(({ tokens, next }) => {
        save(tokens);
        navigate(safeNext(next), { replace: true });
      })
      .catch((e: Error) => setError(e.message));
  }, []);
  return (
    <main id="main" className="signin">
      <h1>Signing in</h1>
      <div aria-live="assertive">
        {error ? (
          <p role="alert" className="error">
            {error} <Link href="/signin">Back to sign-in</Link>
          </p>
        ) : (
          <p role="status">Finishing sign-in…</p>
        )}
      </div>
    </main>
  );
}
