// The REST API: attaches the ID token, sends a 401 to sign-in (and back afterwards), and turns every
// other failure into one ApiError the pages show. Paths and bodies are typed from the OpenAPI document.
import { idToken, clear } from "../auth/session";
import { config } from "../config";
import { HttpError, send } from "./http";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
  /** Worth offering "Try again" (the network, throttling, a server error), not a refusal of the input. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

let onUnauthorized: () => void = () => {};

/** The app registers what a 401 does (go to sign-in with ?next=). */
export function handleUnauthorized(action: () => void): void {
  onUnauthorized = action;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface CallOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

function messageOf(status: number, body: unknown): string {
  const message = typeof body === "object" && body && "message" in body ? String((body as { message: unknown }).message) : "";
  if (status === 403) return message || "You are not allowed to do this.";
  if (status === 404) return message || "Not found: it may have been deleted.";
  if (status === 429) return "Too many requests: wait a moment and try again.";
  if (status >= 500) return `The server failed (${status}). Try again in a moment.`;
  return message || `The request failed (${status}).`;
}

export async function call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
  const token = await idToken();
  if (!token) {
    onUnauthorized();
    throw new ApiError(401, "Your session has ended: sign in again.");
  }
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) query.set(k, String(v));
  const url = `${config().apiPath}${path}${query.size ? `?${query}` : ""}`;
  let response;
  try {
    response = await send(url, {
      method,
      headers: {
        Authorization: token,
        ...(options.body !== undefined ? { "Content-Type": "application/json" } : {}),
        ...options.headers,
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof HttpError) throw new ApiError(0, error.message);
    throw error;
  }
  if (response.status === 401) {
    clear();
    onUnauthorized();
    throw new ApiError(401, "Your session has ended: sign in again.");
  }
  if (response.status < 200 || response.status >= 300) throw new ApiError(response.status, messageOf(response.status, response.body));
  return response.body as T;
}

export const get = <T>(path: string, options?: CallOptions) => call<T>("GET", path, options);
export const post = <T>(path: string, body?: unknown, options?: CallOptions) => call<T>("POST", path, { ...options, body: body ?? {} });
export const patch = <T>(path: string, body: unknown) => call<T>("PATCH", path, { body });
export const del = <T>(path: string) => call<T>("DELETE", path);
