// Runtime configuration: /config.json is written per stack (make deploy-web, or make local), so one build
// serves every stack. Nothing here is a secret: the app client has no secret.
import { getJson } from "./api/http";

export interface Federation {
  /** Cognito domain, e.g. https://stratus-dev.auth.eu-west-1.amazoncognito.com */
  domain: string;
  /** Identity provider name as configured in the pool (shown as "Sign in with <name>"). */
  provider: string;
}

export interface AppConfig {
  region: string;
  userPoolId: string;
  clientId: string;
  /** Where the REST API answers, relative to the app (CloudFront serves it under /api). */
  apiPath: string;
  /** Cognito's API endpoint; empty means https://cognito-idp.<region>.amazonaws.com/ */
  cognitoEndpoint?: string;
  adminGroup: string;
  federation?: Federation | null;
}

let loaded: AppConfig | null = null;

export function cognitoEndpoint(config: AppConfig): string {
  return config.cognitoEndpoint || `https://cognito-idp.${config.region}.amazonaws.com/`;
}

export function parseConfig(value: unknown): AppConfig {
  const v = value as Partial<AppConfig> | null;
  const missing = (["region", "userPoolId", "clientId"] as const).filter((k) => typeof v?.[k] !== "string" || !v[k]);
  if (!v || missing.length) throw new Error(`config.json is missing ${missing.join(", ") || "everything"}`);
  return {
    region: v.region!,
    userPoolId: v.userPoolId!,
    clientId: v.clientId!,
    apiPath: (v.apiPath || "/api").replace(/\/+$/, ""),
    cognitoEndpoint: v.cognitoEndpoint || "",
    adminGroup: v.adminGroup || "stratus-admin",
    federation: v.federation && v.federation.domain && v.federation.provider ? v.federation : null,
  };
}

export async function loadConfig(): Promise<AppConfig> {
  if (!loaded) loaded = parseConfig(await getJson("/config.json"));
  return loaded;
}

export function config(): AppConfig {
  if (!loaded) throw new Error("configuration not loaded yet");
  return loaded;
}

/** Tests only. */
export function setConfig(value: AppConfig | null): void {
  loaded = value;
}
