import { describe, expect, it } from "vitest";
import { contrastText, paletteVariables, parseHex } from "./theme";

describe("palette", () => {
  it("parses short and long hex colours", () => {
    expect(parseHex("#fff")).toEqual([255, 255, 255]);
    expect(parseHex("#0a7d55")).toEqual([10, 125, 85]);
    expect(parseHex("red")).toBeNull();
  });

  it("picks readable text on the primary colour", () => {
    expect(contrastText("#0b3d91")).toBe("#ffffff");
    expect(contrastText("#ffd400")).toBe("#111111");
  });

  it("exposes the primary colour as CSS variables, and ignores a missing one", () => {
    expect(paletteVariables({ primary: "#0b3d91" })).toEqual({
      "--brand-primary": "#0b3d91",
      "--brand-on-primary": "#ffffff",
    });
    expect(paletteVariables({ primary: "" })).toEqual({});
    expect(paletteVariables(undefined)).toEqual({});
  });
});
