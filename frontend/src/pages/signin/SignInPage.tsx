import { useState, type FormEvent } from "react";
import { navigate } from "wouter/use-browser-location";
import { AuthError, signIn } from "../../auth/cognito";
import { authorizeUrl } from "../../auth/hosted";
import { save } from "../../auth/session";
import { cognitoEndpoint, config } from "../../config";

export function SignInPage({ next }: { next: string }) {
  const [error, setError] = useState("");
  const [pending, setPending] = useState(false);
  const federation = config().federation;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError("");
    try {
      const tokens = await signIn(cognitoEndpoint(config()), config().clientId, String(form.get("email")).trim(), String(form.get("password")));
      save(tokens);
      navigate(next, { replace: true });
    } catch (e) {
      setError(e instanceof AuthError ? e.message : "Sign-in failed: try again.");
      setPending(false);
    }
  }

  async function federated() {
    window.location.assign(await authorizeUrl(federation!, config().clientId, window.location.origin, next));
  }

  return (
    <main id="main" className="signin">
      <h1>Sign in to Stratus</h1>
      <form onSubmit={submit} aria-describedby="signin-error" noValidate={false}>
        <label htmlFor="email">E-mail address</label>
        <input id="email" name="email" type="email" autoComplete="username" required autoFocus />
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
        <div id="signin-error" className="notice" aria-live="assertive">
          {error ? (
            <p role="alert" className="error">
              {error}
            </p>
          ) : null}
        </div>
        <button type="submit" disabled={pending} aria-busy={pending}>
          {pending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {federation ? (
        <>
          <p className="or">or</p>
          <button type="button" className="secondary" onClick={() => void federated()}>
            Sign in with {federation.provider}
          </button>
        </>
      ) : null}
    </main>
  );
}
