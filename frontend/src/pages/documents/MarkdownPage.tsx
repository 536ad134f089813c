import { useDeferredValue, useMemo, useState, type FormEvent } from "react";
import { navigate } from "wouter/use-browser-location";
import { post } from "../../api/client";
import type { MarkdownDocumentCreated } from "../../api/types";
import { Notice } from "../../components/Notice";
import { asApiError } from "../../components/useResource";
import { renderPreview } from "./markdown";

const START = "# Title\n\nWrite **markdown** here: lists, tables, `code`...\n\n- one\n- two\n";

export default function MarkdownPage() {
  const [title, setTitle] = useState("");
  const [text, setText] = useState(START);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const deferred = useDeferredValue(text);
  const html = useMemo(() => renderPreview(deferred), [deferred]);

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      await post<MarkdownDocumentCreated>("/documents/markdown", { title: title.trim() || "Untitled", markdown: text });
      navigate("/documents");
    } catch (e) {
      setError(asApiError(e));
      setPending(false);
    }
  }

  return (
    <>
      <h1>Write a document</h1>
      <form onSubmit={save} className="editor">
        <label htmlFor="doc-title">Title</label>
        <input id="doc-title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} required />
        <div className="split">
          <div>
            <label htmlFor="doc-markdown">Markdown</label>
            <textarea id="doc-markdown" value={text} onChange={(e) => setText(e.target.value)} rows={18} spellCheck />
          </div>
          <section aria-labelledby="preview-heading">
            <h2 id="preview-heading">Preview</h2>
            {/* renderPreview escapes raw HTML and unsafe links */}
            <div className="preview" dangerouslySetInnerHTML={{ __html: html }} />
          </section>
        </div>
        <Notice error={error} onRetry={() => setError(null)} />
        <button type="submit" disabled={pending} aria-busy={pending}>
          {pending ? "Saving…" : "Save as PDF"}
        </button>
      </form>
    </>
  );
}
