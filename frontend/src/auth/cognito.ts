// Sign-in over Cognito's own API (InitiateAuth), no SDK: USER_PASSWORD_AUTH, then REFRESH_TOKEN_AUTH.
// The same calls work against real Cognito and the local cloud (moto implements exactly these two flows).
import { HttpError, send } from "../api/http";

export interface Tokens {
  idToken: string;
  accessToken: string;
  refreshToken: string;
  /** epoch ms when the ID token expires */
  expiresAt: number;
}

/** Messages a person can act on, by Cognito's error type. */
const MESSAGES: Record<string, string> = {
  NotAuthorizedException: "Incorrect e-mail address or password.",
  UserNotFoundException: "Incorrect e-mail address or password.",
  UserNotConfirmedException: "This account is not confirmed yet: use the link in your e-mail first.",
  PasswordResetRequiredException: "Your password must be reset before you can sign in.",
  TooManyRequestsException: "Too many attempts: wait a minute and try again.",
  LimitExceededException: "Too many attempts: wait a minute and try again.",
};

export class AuthError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "AuthError";
  }
}

interface AuthenticationResult {
  IdToken: string;
  AccessToken: string;
  RefreshToken?: string;
  ExpiresIn: number;
}

async function call(endpoint: string, target: string, payload: object): Promise<Record<string, unknown>> {
  let response;
  try {
    response = await send(endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${target}`,
      },
      body: JSON.stringify(payload),
    });
  } catch (error) {
    if (error instanceof HttpError) throw new AuthError("NetworkError", error.message);
    throw error;
  }
  const body = (response.body ?? {}) as Record<string, unknown>;
  if (response.status !== 200) {
    const type = String(body.__type ?? body.code ?? "").split("#").pop() ?? "";
    const message = String(body.message ?? body.Message ?? "");
    if (message === "User is disabled.") throw new AuthError(type, "This account is disabled: ask an administrator to re-enable it.");
    throw new AuthError(type, MESSAGES[type] ?? (message || `Sign-in failed (${response.status}).`));
  }
  return body;
}

function tokens(result: AuthenticationResult, refreshToken: string, now: number): Tokens {
  return {
    idToken: result.IdToken,
    accessToken: result.AccessToken,
    refreshToken: result.RefreshToken ?? refreshToken,
    expiresAt: now + result.ExpiresIn * 1000,
  };
}

export async function signIn(endpoint: string, clientId: string, username: string, password: string): Promise<Tokens> {
  const body = await call(endpoint, "InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: clientId,
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  const result = body.AuthenticationResult as AuthenticationResult | undefined;
  if (!result) {
    const challenge = String(body.ChallengeName ?? "a challenge");
    throw new AuthError(challenge, `This account needs ${challenge.replace(/_/g, " ").toLowerCase()} first; finish it through the hosted sign-in or ask an administrator.`);
  }
  return tokens(result, "", Date.now());
}

export async function refresh(endpoint: string, clientId: string, refreshToken: string): Promise<Tokens> {
  const body = await call(endpoint, "InitiateAuth", {
    AuthFlow: "REFRESH_TOKEN_AUTH",
    ClientId: clientId,
    AuthParameters: { REFRESH_TOKEN: refreshToken },
  });
  return tokens(body.AuthenticationResult as AuthenticationResult, refreshToken, Date.now());
}

/** Best effort: the refresh token stops working at once (real Cognito; the local cloud has no RevokeToken). */
export async function revoke(endpoint: string, clientId: string, refreshToken: string): Promise<void> {
  try {
    await call(endpoint, "RevokeToken", { ClientId: clientId, Token: refreshToken });
  } catch {
    // signing out locally does not depend on it
  }
}

export interface Claims {
  sub: string;
  email?: string;
  name?: string;
  "cognito:username"?: string;
  "cognito:groups"?: string[];
  exp: number;
}

/** The ID token's claims, for display only: the API checks the signature, the app never trusts this. */
export function claims(idToken: string): Claims {
  const part = idToken.split(".")[1] ?? "";
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Claims;
}
