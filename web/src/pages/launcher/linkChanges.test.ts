import { describe, expect, it } from "vitest";
import type { FormField } from "../../api/types";
import { changeFlags, changeText, reviewChanges } from "./linkChanges";

describe("a launch link's changes", () => {
  it("flags init scripts and commands by their key", () => {
    for (const path of ["init.personalInit", "init.regionInit", "init.personalInitArgs", "startup.script", "command[0]", "service.args", "lifecycle.postStart.exec"]) {
      expect(changeFlags({ path, value: "x" }), path).toContain("script");
    }
    expect(changeFlags({ path: "init.personalInit", value: null, removed: true })).toEqual(["script"]);
  });

  it("flags URLs by their value and addresses by their key", () => {
    expect(changeFlags({ path: "git.branch", value: "see https://evil.example.org" })).toEqual(["url"]);
    expect(changeFlags({ path: "extraEnvVars[0].value", value: "git@evil.example.org:x/y.git" })).toEqual(["url"]);
    for (const path of ["s3.endpoint", "vault.url", "git.repository", "ingress.hostname", "repository.pipRepository", "repository.packageManagerUrl", "proxy.httpProxy"]) {
      expect(changeFlags({ path, value: "evil.example.org" }), path).toEqual(["url"]);
    }
  });

  it("leaves ordinary values unflagged, and marks fields the form hides or locks", () => {
    expect(changeFlags({ path: "resources.limits.memory", value: "8Gi" })).toEqual([]);
    expect(changeFlags({ path: "git.enabled", value: false })).toEqual([]);
    // Words, not letters: an initial delay is no init script, an editor's root folder no server.
    expect(changeFlags({ path: "startupProbe.initialDelaySeconds", value: 30 })).toEqual([]);
    expect(changeFlags({ path: "git.asCodeServerRoot", value: true })).toEqual([]);
    const hidden: FormField = { path: "global.suspend", widget: "checkbox", hidden: true };
    expect(changeFlags({ path: "global.suspend", value: true }, hidden)).toEqual(["hidden"]);
  });

  it("finds each change's field and puts scripts, then URLs, first", () => {
    const root: FormField = {
      path: "",
      widget: "group",
      fields: [
        { path: "resources", key: "resources", widget: "group", fields: [{ path: "resources.limits.memory", key: "memory", widget: "text", title: "Memory limit" }] },
        { path: "init", key: "init", widget: "group", fields: [{ path: "init.personalInit", key: "personalInit", widget: "text", title: "Initialization script" }] },
      ],
    };
    const reviewed = reviewChanges(
      [
        { path: "resources.limits.memory", value: "8Gi" },
        { path: "s3.endpoint", value: "s3.evil.example.org" },
        { path: "init.personalInit", value: "https://evil.example.org/x.sh" },
      ],
      root,
    );
    expect(reviewed.map((c) => c.path)).toEqual(["init.personalInit", "s3.endpoint", "resources.limits.memory"]);
    expect(reviewed[0]!.field?.title).toBe("Initialization script");
    expect(reviewed[0]!.flags).toEqual(["script", "url"]);
    expect(reviewed[1]!.field).toBeUndefined();
  });

  it("writes values as text", () => {
    expect(changeText("a b")).toBe("a b");
    expect(changeText(8)).toBe("8");
    expect(changeText(false)).toBe("false");
    expect(changeText(null)).toBe("null");
    expect(changeText({ a: [1] })).toBe('{"a":[1]}');
  });
});
