// Routes whose handlers are being built on other branches (issues 8, 9, 10): their shapes exactly as
// the issues write them, until the handlers land and tools/openapi.py generates them into schema.d.ts.
// Each alias below is then replaced by the generated one, re-exported from ./types (as the webhooks-out
// shapes already are).

export type DocumentStatus = "UPLOADED" | "PROCESSING" | "READY" | "FAILED";

export interface DocumentItem {
  documentId: string;
  name: string;
  status: DocumentStatus;
  failureReason?: string | null;
  pages?: number | null;
  sizeBytes?: number | null;
  createdAt: string;
  source?: string;
  downloadUrl?: string;
}

export interface UploadCreated {
  documentId: string;
  upload: { url: string; fields: Record<string, string> };
}

export interface Citation {
  documentId: string;
  page: number;
  snippet: string;
}

export interface Answer {
  answer: string;
  citations: Citation[];
  mode: string;
}

export interface Conversation {
  conversationId: string;
  documentIds: string[];
  title?: string;
  createdAt?: string;
}

export interface ChatMessage {
  role: "user" | "assistant";
  content?: string;
  question?: string;
  answer?: string;
  citations?: Citation[];
  createdAt?: string;
}

export interface WebhookSource {
  source: string;
  scheme: string;
  toleranceSeconds?: number;
  eventTypePath?: string | null;
  targets?: string[];
}

export interface Page<T> {
  items: T[];
  nextToken?: string | null;
}

/** A list route's answer as a page, whether it answers `{items}` or a bare list. */
export function asPage<T>(body: Page<T> | T[] | null): Page<T> {
  if (Array.isArray(body)) return { items: body };
  return { items: body?.items ?? [], nextToken: body?.nextToken ?? null };
}
