import { describe, expect, it } from "vitest";
import { safeNext, signInPath } from "./nav";

describe("?next= after sign-in", () => {
  it("returns only to a path on this site", () => {
    expect(safeNext("/documents?x=1")).toBe("/documents?x=1");
    for (const bad of ["//evil.example", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", null]) expect(safeNext(bad)).toBe("/");
  });
  it("carries the page the user wanted", () => {
    expect(signInPath("/?events=click&hours=6")).toBe("/signin?next=%2F%3Fevents%3Dclick%26hours%3D6");
    expect(signInPath("/")).toBe("/signin");
  });
});
