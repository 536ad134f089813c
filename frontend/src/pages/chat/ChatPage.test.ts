import { describe, expect, it } from "vitest";
import type { MessagesPage } from "../../api/types";
import { toTurns } from "./ChatPage";

const at = "2026-01-01T00:00:00Z";

describe("chat history", () => {
  it("pairs questions with their answers and keeps the citations", () => {
    const history: MessagesPage = {
      items: [
        { messageId: "m1", role: "user", content: "What is the price?", createdAt: at },
        { messageId: "m2", role: "assistant", content: "12 EUR", citations: [{ documentId: "d1", page: 4, snippet: "costs 12 EUR" }], mode: "extractive", createdAt: at },
        { messageId: "m3", role: "user", content: "And the tax?", createdAt: at },
      ],
    };
    const turns = toTurns(history.items);
    expect(turns).toHaveLength(2);
    expect(turns[0]).toEqual({ question: "What is the price?", answer: { answer: "12 EUR", citations: [{ documentId: "d1", page: 4, snippet: "costs 12 EUR" }] } });
    expect(turns[1]).toEqual({ question: "And the tax?" });
  });
  it("gives an answer without citations an empty list, and keeps an answer with no question before it", () => {
    expect(toTurns([{ messageId: "m1", role: "assistant", content: "a", createdAt: at }])).toEqual([{ question: "", answer: { answer: "a", citations: [] } }]);
  });
});
