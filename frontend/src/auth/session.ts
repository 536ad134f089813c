// The signed-in session: tokens in sessionStorage (this tab only, gone when it closes), refreshed shortly
// before the ID token expires. Nothing is stored until a sign-in succeeds.
import { config, cognitoEndpoint } from "../config";
import { claims, refresh, revoke, type Claims, type Tokens } from "./cognito";

const KEY = "stratus.session";
const REFRESH_MARGIN_MS = 60_000;
type Listener = () => void;
const listeners = new Set<Listener>();
let refreshing: Promise<Tokens | null> | null = null;

export function current(): Tokens | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Tokens;
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}

export function save(tokens: Tokens): void {
  sessionStorage.setItem(KEY, JSON.stringify(tokens));
  listeners.forEach((l) => l());
}

export function clear(): void {
  sessionStorage.removeItem(KEY);
  listeners.forEach((l) => l());
}

export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function user(): Claims | null {
  const tokens = current();
  return tokens ? claims(tokens.idToken) : null;
}

export function isAdmin(): boolean {
  return (user()?.["cognito:groups"] ?? []).includes(config().adminGroup);
}

/** An ID token valid for at least another minute, refreshed if needed; null when signed out. */
export async function idToken(now: () => number = Date.now): Promise<string | null> {
  const tokens = current();
  if (!tokens) return null;
  if (tokens.expiresAt - now() > REFRESH_MARGIN_MS) return tokens.idToken;
  if (!tokens.refreshToken) return null;
  refreshing ??= refresh(cognitoEndpoint(config()), config().clientId, tokens.refreshToken)
    .then((fresh) => {
      save(fresh);
      return fresh;
    })
    .catch(() => {
      clear();
      return null;
    })
    .finally(() => {
      refreshing = null;
    });
  return (await refreshing)?.idToken ?? null;
}

export async function signOut(): Promise<void> {
  const tokens = current();
  clear();
  if (tokens?.refreshToken) await revoke(cognitoEndpoint(config()), config().clientId, tokens.refreshToken);
}
