import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { Link, useSearch } from "wouter";
import { navigate } from "wouter/use-browser-location";
import { del, get, post } from "../../api/client";
import type { Answer, Citation, ConversationCreated, ConversationsPage, DocumentItem, DocumentList, MessageOut, MessagesPage } from "../../api/types";
import { Notice } from "../../components/Notice";
import { asApiError, useResource } from "../../components/useResource";

/** What a turn shows of an answer: a fresh one is an `Answer`; one from the history has no mode to show. */
type TurnAnswer = Pick<Answer, "answer" | "citations">;

interface Turn {
  question: string;
  answer?: TurnAnswer;
  pending?: boolean;
}

/** The stored history (one message per user question and per assistant answer, oldest first) as turns. */
export function toTurns(messages: MessageOut[]): Turn[] {
  const turns: Turn[] = [];
  for (const m of messages) {
    if (m.role === "user") turns.push({ question: m.content });
    else {
      const last = turns[turns.length - 1];
      const answer = { answer: m.content, citations: m.citations ?? [] };
      if (last && !last.answer) last.answer = answer;
      else turns.push({ question: "", answer });
    }
  }
  return turns;
}

function CitationChip({ citation, documents }: { citation: Citation; documents: Map<string, DocumentItem> }) {
  const [error, setError] = useState("");
  const name = documents.get(citation.documentId)?.name ?? "document";
  async function open() {
    // A fresh short-lived link each time; the browser's PDF viewer opens it at the page.
    const win = window.open("", "_blank");
    try {
      const doc = await get<DocumentItem>(`/documents/${encodeURIComponent(citation.documentId)}`);
      if (!doc.downloadUrl) throw new Error(`${name} cannot be opened right now; try again.`);
      if (win) win.location.href = `${doc.downloadUrl}#page=${citation.page}`;
    } catch (e) {
      win?.close();
      setError(asApiError(e).message);
    }
  }
  return (
    <>
      <button type="button" className="chip" onClick={() => void open()} title={citation.snippet} aria-label={`Open ${name} at page ${citation.page}`} data-page={citation.page}>
        {name} p. {citation.page}
      </button>
      {error ? <span role="alert" className="error">{error}</span> : null}
    </>
  );
}

export default function ChatPage({ conversationId }: { conversationId?: string }) {
  const search = useSearch();
  const preselected = new URLSearchParams(search).get("documents")?.split(",").filter(Boolean) ?? [];
  const docs = useResource<DocumentList>("chat-docs", (signal) => get<DocumentList>("/documents", { signal }));
  const conversations = useResource<ConversationsPage>("conversations", (signal) => get<ConversationsPage>("/conversations", { signal }));
  const history = useResource<Turn[]>(`history:${conversationId ?? ""}`, async (signal) =>
    conversationId ? toTurns((await get<MessagesPage>(`/conversations/${encodeURIComponent(conversationId)}/messages`, { signal })).items) : [],
  );
  const [turns, setTurns] = useState<Turn[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const [question, setQuestion] = useState("");
  const lastQuestion = useRef("");
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => setTurns(history.data ?? []), [history.data]);
  useEffect(() => end.current?.scrollIntoView?.({ block: "nearest" }), [turns.length]);

  const documents = new Map((docs.data?.items ?? []).map((d) => [d.documentId, d]));
  const ready = (docs.data?.items ?? []).filter((d) => d.status === "READY");
  const pending = turns.some((t) => t.pending);
  // Until this conversation's history has loaded, asking is held: the history replaces the turns shown.
  const loadingHistory = history.loading;

  async function start(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const ids = new FormData(event.currentTarget).getAll("doc").map(String);
    if (!ids.length) return setError(new Error("Choose at least one ready document."));
    try {
      const created = await post<ConversationCreated>("/conversations", { documentIds: ids });
      await conversations.reload();
      navigate(`/chat/${encodeURIComponent(created.conversationId)}`);
    } catch (e) {
      setError(asApiError(e));
    }
  }

  async function ask(text: string) {
    if (!conversationId || !text.trim() || pending || loadingHistory) return;
    lastQuestion.current = text;
    setError(null);
    setQuestion("");
    setTurns((t) => [...t, { question: text, pending: true }]);
    try {
      const answer = await post<Answer>(`/conversations/${encodeURIComponent(conversationId)}/messages`, { question: text });
      setTurns((t) =>
        t.some((turn) => turn.pending)
          ? t.map((turn) => (turn.pending ? { question: text, answer } : turn))
          : [...t, { question: text, answer }],
      );
    } catch (e) {
      setTurns((t) => t.filter((turn) => !turn.pending));
      setQuestion(text);
      setError(asApiError(e));
    }
  }

  function onKey(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void ask(question);
    }
  }

  async function remove(id: string) {
    try {
      await del(`/conversations/${encodeURIComponent(id)}`);
      await conversations.reload();
      if (id === conversationId) navigate("/chat");
    } catch (e) {
      setError(asApiError(e));
    }
  }

  const current = conversations.data?.items.find((c) => c.conversationId === conversationId);
  return (
    <>
      <h1>Chat</h1>
      <div className="chat-layout">
        <nav aria-label="Conversations" className="conversations">
          <h2>Conversations</h2>
          <ul>
            {(conversations.data?.items ?? []).map((c) => (
              <li key={c.conversationId}>
                <Link href={`/chat/${encodeURIComponent(c.conversationId)}`} aria-current={c.conversationId === conversationId ? "page" : undefined}>
                  {c.title || c.documentIds.map((id) => documents.get(id)?.name ?? id).join(", ")}
                </Link>{" "}
                <button type="button" className="link" onClick={() => void remove(c.conversationId)} aria-label={`Delete conversation ${c.title || c.conversationId}`}>
                  Delete
                </button>
              </li>
            ))}
          </ul>
          <Link href="/chat">New conversation</Link>
        </nav>
        <section className="conversation" aria-label="Conversation">
          <Notice error={error ?? docs.error ?? conversations.error ?? history.error} onRetry={() => (lastQuestion.current && error ? void ask(lastQuestion.current) : void history.reload())} />
          {!conversationId ? (
            <form onSubmit={start}>
              <fieldset>
                <legend>Ask about these documents</legend>
                {ready.length ? (
                  ready.map((d) => (
                    <label key={d.documentId} className="check">
                      <input type="checkbox" name="doc" value={d.documentId} defaultChecked={preselected.includes(d.documentId)} /> {d.name}
                    </label>
                  ))
                ) : (
                  <p>
                    No ready documents yet. <Link href="/documents">Upload one</Link>.
                  </p>
                )}
              </fieldset>
              <button type="submit" disabled={!ready.length}>
                Start the conversation
              </button>
            </form>
          ) : (
            <>
              {current ? <p className="meta">About: {current.documentIds.map((id) => documents.get(id)?.name ?? id).join(", ")}</p> : null}
              <ol className="turns" aria-live="polite">
                {turns.map((t, i) => (
                  <li key={i}>
                    {t.question ? <p className="question">{t.question}</p> : null}
                    {t.pending ? (
                      <p className="answer" role="status">
                        Thinking…
                      </p>
                    ) : t.answer ? (
                      <div className="answer">
                        <p>{t.answer.answer}</p>
                        {t.answer.citations.length ? (
                          <p className="citations" aria-label="Sources">
                            {t.answer.citations.map((c, j) => (
                              <CitationChip key={j} citation={c} documents={documents} />
                            ))}
                          </p>
                        ) : null}
                      </div>
                    ) : null}
                  </li>
                ))}
              </ol>
              <div ref={end} />
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  void ask(question);
                }}
                className="ask"
              >
                <label htmlFor="question">Your question (Enter sends, Shift+Enter for a new line)</label>
                <textarea id="question" value={question} onChange={(e) => setQuestion(e.target.value)} onKeyDown={onKey} rows={2} maxLength={2000} disabled={loadingHistory} />
                <button type="submit" disabled={pending || loadingHistory || !question.trim()} aria-busy={pending || loadingHistory}>
                  {pending ? "Waiting for the answer…" : loadingHistory ? "Loading the conversation…" : "Send"}
                </button>
              </form>
            </>
          )}
        </section>
      </div>
    </>
  );
}
