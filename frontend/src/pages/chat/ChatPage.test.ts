import { describe, expect, it } from "vitest";
import { toTurns } from "./ChatPage";

describe("chat history", () => {
  it("pairs questions with their answers and keeps the citations", () => {
    const turns = toTurns([
      { role: "user", content: "What is the price?" },
      { role: "assistant", content: "12 EUR", citations: [{ documentId: "d1", page: 4, snippet: "costs 12 EUR" }] },
      { role: "user", content: "And the tax?" },
    ]);
    expect(turns).toHaveLength(2);
    expect(turns[0]?.answer?.citations[0]?.page).toBe(4);
    expect(turns[1]).toEqual({ question: "And the tax?" });
  });
  it("reads messages that carry the question and answer together", () => {
    expect(toTurns([{ role: "assistant", question: "q", answer: "a", citations: [] }])[0]).toMatchObject({ question: "q", answer: { answer: "a" } });
  });
});
