import { describe, expect, it } from "vitest";
import { parseQuery, toSearch, withChange } from "./query";

describe("the dashboard's URL", () => {
  it("reads events, range and resolution from the query", () => {
    expect(parseQuery("events=click,impression&hours=6&resolution=hour")).toEqual({ events: ["click", "impression"], hours: 6, resolution: "hour" });
  });

  it("falls back to defaults and clamps what the API would refuse", () => {
    expect(parseQuery("")).toEqual({ events: ["page view", "click"], hours: 1, resolution: "minute" });
    expect(parseQuery("hours=500&resolution=minute").hours).toBe(24);
    expect(parseQuery("events=a,b,c,d,e,f,a").events).toEqual(["a", "b", "c", "d", "e"]);
    expect(parseQuery("hours=-3").hours).toBe(1);
  });

  it("round-trips through the URL with spaces kept readable", () => {
    const query = { events: ["page view", "click"], hours: 24, resolution: "minute" as const };
    expect(toSearch(query)).toBe("events=page%20view%2Cclick&hours=24&resolution=minute");
    expect(parseQuery(toSearch(query))).toEqual(query);
  });

  it("switches to hours when the range is longer than the minute table keeps", () => {
    expect(withChange({ events: ["click"], hours: 1, resolution: "minute" }, { hours: 72 })).toEqual({ events: ["click"], hours: 72, resolution: "hour" });
    expect(withChange({ events: ["click"], hours: 72, resolution: "hour" }, { resolution: "minute" }).hours).toBe(24);
  });
});
