import { describe, expect, it } from "vitest";
import { formatBytes, localize, parseQuantity, quotaLevel, splitDuration } from "./format";

describe("format", () => {
  it("picks localized text with fallbacks", () => {
    expect(localize({ en: "Tools", fr: "Outils" }, "fr")).toBe("Outils");
    expect(localize({ en: "Tools" }, "fr")).toBe("Tools");
    expect(localize({ de: "Werkzeuge" }, "fr")).toBe("Werkzeuge");
    expect(localize(undefined, "fr")).toBe("");
  });

  it("formats byte counts", () => {
    expect(formatBytes(0, "en")).toBe("0 B");
    expect(formatBytes(1536, "en")).toBe("1.5 KB");
    expect(formatBytes(123_456_789, "en")).toBe("123 MB");
    expect(formatBytes(1536, "fr")).toBe("1,5 KB");
  });

  it("splits durations", () => {
    expect(splitDuration(((2 * 24 + 3) * 60 + 4) * 60_000 + 59_000)).toEqual({ days: 2, hours: 3, minutes: 4 });
    expect(splitDuration(-5)).toEqual({ days: 0, hours: 0, minutes: 0 });
  });

  it("reads Kubernetes quantities", () => {
    expect(parseQuantity("500m")).toBeCloseTo(0.5);
    expect(parseQuantity("4")).toBe(4);
    expect(parseQuantity("8Gi")).toBe(8 * 2 ** 30);
    expect(parseQuantity("2k")).toBe(2000);
    expect(parseQuantity("1e3")).toBe(1000);
    expect(parseQuantity("lots")).toBeNaN();
  });

  it("grades quota use at 75 % and 95 %", () => {
    expect(quotaLevel(0.5)).toBe("ok");
    expect(quotaLevel(0.75)).toBe("warning");
    expect(quotaLevel(0.95)).toBe("critical");
  });
});
