import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link } from "wouter";
import { del, get, post } from "../../api/client";
import { upload } from "../../api/http";
import type { DocumentItem, DocumentList, UploadCreated } from "../../api/types";
import { bytes, dateTime } from "../../components/format";
import { Notice } from "../../components/Notice";
import { asApiError, useResource } from "../../components/useResource";

const POLL_MS = 3000;
const settled = (d: DocumentItem) => d.status === "READY" || d.status === "FAILED";

const REASONS: Record<string, string> = {
  ENCRYPTED: "the PDF is password-protected",
  INVALID_PDF: "the file is not a readable PDF",
  NO_PAGES: "the PDF has no pages",
  NO_TEXT: "no text could be read (a scanned, image-only PDF?)",
  TOO_LARGE: "the PDF is too large",
  MODEL_ACCESS_DENIED: "the embedding model is not enabled in this account",
  INTERNAL: "an internal error; try uploading again",
};

export function reasonText(reason: string | null | undefined): string {
  return reason ? (REASONS[reason] ?? reason) : "unknown reason";
}

export default function DocumentsPage() {
  const docs = useResource<DocumentList>("documents", (signal) => get<DocumentList>("/documents", { signal }));
  const [progress, setProgress] = useState<{ name: string; loaded: number; total: number } | null>(null);
  const [actionError, setActionError] = useState<Error | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const items = docs.data?.items ?? [];
  const waiting = items.some((d) => !settled(d));

  // Statuses update by themselves until every document is READY or FAILED.
  useEffect(() => {
    if (!waiting || docs.loading) return;
    const timer = window.setTimeout(() => void docs.reload(), POLL_MS);
    return () => window.clearTimeout(timer);
  }, [waiting, docs.loading, docs.loadedAt, docs.reload]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const file = fileInput.current?.files?.[0];
    if (!file) return;
    setActionError(null);
    try {
      const created = await post<UploadCreated>("/documents/uploads", { fileName: file.name, sizeBytes: file.size });
      setProgress({ name: file.name, loaded: 0, total: file.size });
      await upload(created.upload, file, (loaded, total) => setProgress({ name: file.name, loaded, total }));
      event.currentTarget?.reset();
      await docs.reload();
    } catch (e) {
      setActionError(e instanceof Error ? e : asApiError(e));
    } finally {
      setProgress(null);
    }
  }

  async function remove(id: string) {
    setConfirming(null);
    try {
      await del(`/documents/${encodeURIComponent(id)}`);
      await docs.reload();
    } catch (e) {
      setActionError(asApiError(e));
    }
  }

  return (
    <>
      <h1>Documents</h1>
      <form onSubmit={submit} className="upload" aria-label="Upload a PDF">
        <label htmlFor="pdf">PDF to upload</label>
        <input id="pdf" ref={fileInput} type="file" accept="application/pdf,.pdf" required />
        <button type="submit" disabled={progress !== null}>
          Upload
        </button>
        <Link href="/documents/write">Write a markdown document instead</Link>
      </form>
      {progress ? (
        <div className="progress">
          <label htmlFor="upload-progress">Uploading {progress.name}</label>
          <progress id="upload-progress" max={progress.total || 1} value={progress.loaded}>
            {Math.round((progress.loaded / (progress.total || 1)) * 100)}%
          </progress>
          <span aria-hidden="true"> {Math.round((progress.loaded / (progress.total || 1)) * 100)}%</span>
        </div>
      ) : null}
      <Notice error={actionError ?? docs.error} onRetry={() => void docs.reload()} />
      {items.length ? (
        <ul className="cards" aria-label="Your documents">
          {items.map((d) => (
            <li key={d.documentId} className="card">
              <h2>{d.name}</h2>
              <p>
                <span className={`status status-${d.status.toLowerCase()}`} data-testid="status">
                  {d.status}
                </span>
                {d.status === "FAILED" ? <span> — {reasonText(d.failureReason)}</span> : null}
                {!settled(d) ? <span className="visually-hidden"> (updates by itself)</span> : null}
              </p>
              <p className="meta">
                {d.pages ? `${d.pages} pages · ` : ""}
                {bytes(d.sizeBytes)} · {dateTime(d.createdAt)}
                {d.source === "markdown" ? " · written here" : ""}
              </p>
              <div className="actions">
                {d.status === "READY" ? <Link href={`/chat?documents=${encodeURIComponent(d.documentId)}`}>Chat about it</Link> : null}
                {confirming === d.documentId ? (
                  <span role="group" aria-label={`Confirm deleting ${d.name}`}>
                    Delete {d.name} and its conversations?{" "}
                    <button type="button" className="danger" onClick={() => void remove(d.documentId)}>
                      Yes, delete
                    </button>{" "}
                    <button type="button" onClick={() => setConfirming(null)}>
                      Keep it
                    </button>
                  </span>
                ) : (
                  <button type="button" onClick={() => setConfirming(d.documentId)} aria-label={`Delete ${d.name}`}>
                    Delete
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      ) : docs.loading ? (
        <p role="status">Loading documents…</p>
      ) : !docs.error ? (
        <p>No documents yet: upload a PDF to ask questions about it.</p>
      ) : null}
    </>
  );
}
