import { describe, expect, it } from "vitest";
import { compareVersions, updateAvailable } from "./versions";

describe("chart versions", () => {
  it("orders semantic versions as Helm does", () => {
    const sorted = ["2.5.2", "2.1.11", "2.3.19", "2.10.0", "2.5.2-rc.1", "2.5.2-rc.10", "2.5.2-beta", "1.0", "v3.0.0"].sort(compareVersions);
    expect(sorted).toEqual(["1.0", "2.1.11", "2.3.19", "2.5.2-beta", "2.5.2-rc.1", "2.5.2-rc.10", "2.5.2", "2.10.0", "v3.0.0"]);
    expect(compareVersions("2.5.2+build.1", "2.5.2")).toBe(0);
  });

  it("puts what is not a semantic version after the rest", () => {
    expect(compareVersions("latest", "2.0.0")).toBeGreaterThan(0);
    expect(compareVersions("2.0.0", "latest")).toBeLessThan(0);
  });

  it("offers the catalog's newest version only when it is newer than the running one", () => {
    // Onyxia's jupyter-python, as the catalog lists it: newest first.
    const versions = ["2.5.2", "2.3.19", "2.1.11"];
    expect(updateAvailable("2.1.11", versions)).toBe("2.5.2");
    expect(updateAvailable("2.5.2", versions)).toBeUndefined();
    // A running version the catalog no longer offers, newer than all it has.
    expect(updateAvailable("3.0.0", versions)).toBeUndefined();
    expect(updateAvailable("2.1.11", [])).toBeUndefined();
    expect(updateAvailable("2.1.11", ["nightly"])).toBeUndefined();
  });
});
