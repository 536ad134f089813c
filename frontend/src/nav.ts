/** Only a path on this site (never //evil.example, /\evil.example or https://...). */
export function safeNext(next: string | null | undefined): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}

export function signInPath(next: string): string {
  return next && next !== "/" && !next.startsWith("/signin") ? `/signin?next=${encodeURIComponent(next)}` : "/signin";
}
