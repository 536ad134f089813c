import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { save } from "../../auth/session";
import { setConfig } from "../../config";
import WebhooksPage, { parseTypes } from "./WebhooksPage";

const endpoint = { id: "ep_1", url: "https://hooks.example.com/in", eventTypes: null, enabled: true, createdAt: "2026-12-01T10:00:00Z" };

beforeEach(() => {
  setConfig({ region: "us-east-1", userPoolId: "p", clientId: "c", apiPath: "/api", cognitoEndpoint: "", adminGroup: "stratus-admin", federation: null });
  save({ idToken: "h.eyJzdWIiOiJzIn0.s", accessToken: "a", refreshToken: "r", expiresAt: Date.now() + 3600_000 });
});
afterEach(() => vi.unstubAllGlobals());

describe("webhook endpoints", () => {
  it("shows the new secret once, with a copy button, and never in the list", async () => {
    let created = false;
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init?: RequestInit) => {
        if (url === "/api/webhooks/endpoints" && init?.method === "POST") {
          created = true;
          expect(JSON.parse(init.body as string)).toEqual({ url: "https://hooks.example.com/in", eventTypes: ["document.ready"] });
          return new Response(JSON.stringify({ ...endpoint, secret: "whsec_c2VjcmV0" }), { status: 201 });
        }
        if (url === "/api/webhooks/endpoints") return new Response(JSON.stringify({ items: created ? [endpoint] : [] }), { status: 200 });
        return new Response(JSON.stringify({ items: [] }), { status: 200 });
      }),
    );
    render(<WebhooksPage />);
    await userEvent.type(screen.getByLabelText("HTTPS URL"), "https://hooks.example.com/in");
    await userEvent.type(screen.getByLabelText(/Event types/), "document.ready");
    await userEvent.click(screen.getByRole("button", { name: "Add endpoint" }));
    expect(await screen.findByTestId("secret")).toHaveProperty("textContent", "whsec_c2VjcmV0");
    expect(screen.getByRole("button", { name: "Copy" })).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Done" }));
    await waitFor(() => expect(screen.queryByTestId("secret")).toBeNull());
    expect(document.body.textContent).not.toContain("whsec_c2VjcmV0");
    expect(screen.getByTestId("masked-secret").textContent).toBe("whsec_••••••••");
  });

  it("reads event types from a comma or space separated list", () => {
    expect(parseTypes("document.ready, document.failed  user.disabled")).toEqual(["document.ready", "document.failed", "user.disabled"]);
    expect(parseTypes("  ")).toBeUndefined();
  });
});
