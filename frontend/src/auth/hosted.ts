// "Sign in with <provider>": Cognito's hosted UI, authorization code flow with PKCE (no client secret).
import { send } from "../api/http";
import type { Federation } from "../config";
import type { Tokens } from "./cognito";

const VERIFIER_KEY = "stratus.pkce";
export const CALLBACK_PATH = "/auth/callback";

function base64url(bytes: Uint8Array): string {
  let text = "";
  bytes.forEach((b) => (text += String.fromCharCode(b)));
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function challenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

export async function authorizeUrl(federation: Federation, clientId: string, origin: string, next: string): Promise<string> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(48)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(VERIFIER_KEY, JSON.stringify({ verifier, state, next }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: origin + CALLBACK_PATH,
    identity_provider: federation.provider,
    scope: "openid email profile",
    state,
    code_challenge_method: "S256",
    code_challenge: await challenge(verifier),
  });
  return `${federation.domain.replace(/\/+$/, "")}/oauth2/authorize?${query}`;
}

/** Trade the callback's code for tokens; returns the page to go back to. */
export async function completeSignIn(
  federation: Federation,
  clientId: string,
  origin: string,
  params: URLSearchParams,
): Promise<{ tokens: Tokens; next: string }> {
  const saved = JSON.parse(sessionStorage.getItem(VERIFIER_KEY) ?? "null") as { verifier: string; state: string; next: string } | null;
  sessionStorage.removeItem(VERIFIER_KEY);
  if (params.get("error")) throw new Error(params.get("error_description") || params.get("error") || "sign-in refused");
  if (!saved || params.get("state") !== saved.state || !params.get("code")) throw new Error("This sign-in link is stale: start again.");
  const response = await send(`${federation.domain.replace(/\/+$/, "")}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: clientId,
      code: params.get("code")!,
      redirect_uri: origin + CALLBACK_PATH,
      code_verifier: saved.verifier,
    }),
  });
  const body = response.body as { id_token: string; access_token: string; refresh_token: string; expires_in: number; error?: string };
  if (response.status !== 200) throw new Error(`The identity provider's sign-in failed (${body?.error ?? response.status}).`);
  return {
    tokens: {
      idToken: body.id_token,
      accessToken: body.access_token,
      refreshToken: body.refresh_token,
      expiresAt: Date.now() + body.expires_in * 1000,
    },
    next: saved.next,
  };
}
