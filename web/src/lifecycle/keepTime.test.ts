import { describe, expect, it } from "vitest";
import { checkKeep, defaultKeep, fromLocalInput, idleChoices, keepBounds, quickKeeps, toLocalInput } from "./keepTime";

// Local times (the browser's zone, as datetime-local fields hold them).
const at = (d: number, h: number, m = 0, s = 0) => new Date(2025, 2, d, h, m, s).getTime();
const H = 3600;
const D = 86_400;
// Wednesday 12 March 2025, 10:30:20.
const wednesday = at(12, 10, 30, 20);

describe("keep until", () => {
  it("offers the policy's maximum or 24 h, whichever is smaller, rounded inwards to the minute", () => {
    expect(defaultKeep(wednesday, 7 * D)).toEqual(new Date(at(13, 10, 30)));
    // Two hours at most: the default is the latest time allowed, a minute short for clock skew.
    expect(defaultKeep(wednesday, 2 * H)).toEqual(new Date(at(12, 12, 29)));
    expect(keepBounds(wednesday, 7 * D)).toEqual({ min: new Date(at(12, 10, 31)), max: new Date(at(19, 10, 29)) });
  });

  it("refuses a time in the past or beyond the maximum, and an empty field", () => {
    expect(checkKeep(new Date(at(12, 10, 0)), wednesday, 7 * D)).toBe("past");
    expect(checkKeep(new Date(at(19, 11, 0)), wednesday, 7 * D)).toBe("beyond");
    expect(checkKeep(null, wednesday, 7 * D)).toBe("invalid");
    expect(checkKeep(new Date(at(19, 10, 29)), wednesday, 7 * D)).toBeNull();
    for (const q of quickKeeps(wednesday, 7 * D)) expect(checkKeep(q.until, wednesday, 7 * D), q.id).toBeNull();
  });

  it("offers tomorrow and Friday evenings, a week and the maximum, only within bounds", () => {
    const ids = (now: number, max: number) => quickKeeps(now, max).map((q) => q.id);
    expect(quickKeeps(wednesday, 30 * D).map((q) => [q.id, q.until])).toEqual([
      ["tomorrow", new Date(at(13, 20))],
      ["friday", new Date(at(14, 20))],
      ["week", new Date(at(19, 10, 30))],
      ["max", new Date(at(11 + 31, 10, 29))],
    ]);
    // A week at most: "as long as allowed" is that week.
    expect(ids(wednesday, 7 * D)).toEqual(["tomorrow", "friday", "max"]);
    // Friday is tomorrow on Thursday, and today on Friday: once only.
    expect(ids(at(13, 9), 7 * D)).toEqual(["tomorrow", "max"]);
    expect(ids(at(14, 9), 7 * D)).toEqual(["tomorrow", "max"]);
    // Two hours at most: tomorrow is too far.
    expect(ids(wednesday, 2 * H)).toEqual(["max"]);
  });

  it("reads and writes datetime-local values", () => {
    expect(toLocalInput(new Date(at(5, 8, 7)))).toBe("2025-03-05T08:07");
    expect(fromLocalInput("2025-03-05T08:07")).toEqual(new Date(at(5, 8, 7)));
    expect(fromLocalInput("")).toBeNull();
  });
});

describe("idle time choices", () => {
  it("offers the usual steps up to the policy's maximum, the maximum, and the current choice", () => {
    expect(idleChoices(D)).toEqual([1800, H, 2 * H, 4 * H, 8 * H, 12 * H, D]);
    expect(idleChoices(5 * H, 3 * H)).toEqual([1800, H, 2 * H, 3 * H, 4 * H, 5 * H]);
    expect(idleChoices(300)).toEqual([]);
  });
});
