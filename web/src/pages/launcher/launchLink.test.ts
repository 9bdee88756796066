import { describe, expect, it } from "vitest";
import {
  diffValues,
  formatLinkKey,
  formatLinkValue,
  launchLinkQuery,
  launchLinkUrl,
  linkOverridePairs,
  readLinkParams,
  UNSET,
  withParam,
} from "./launchLink";

describe("launch link values", () => {
  it("quotes and encodes strings, leaves numbers, booleans and null bare", () => {
    expect(formatLinkValue("8Gi")).toBe("%C2%AB8Gi%C2%BB");
    expect(formatLinkValue("nvidia.com/gpu")).toBe("%C2%ABnvidia.com%2Fgpu%C2%BB");
    expect(formatLinkValue("a b&c=d«»")).toBe("%C2%ABa%20b%26c%3Dd%C2%AB%C2%BB%C2%BB");
    expect(formatLinkValue("16.4")).toBe("%C2%AB16.4%C2%BB");
    expect(formatLinkValue("")).toBe("%C2%AB%C2%BB");
    expect(formatLinkValue(8888)).toBe("8888");
    expect(formatLinkValue(0.5)).toBe("0.5");
    expect(formatLinkValue(false)).toBe("false");
    expect(formatLinkValue(true)).toBe("true");
    expect(formatLinkValue(null)).toBe("null");
    expect(formatLinkValue(UNSET)).toBe("-");
  });

  it("writes keys with dots, indices, escaped literal dots and a trailing dot alone", () => {
    expect(formatLinkKey(["resources", "limits", "memory"])).toBe("resources.limits.memory");
    expect(formatLinkKey(["tolerations", 0, "key"])).toBe("tolerations[0].key");
    expect(formatLinkKey(["nodeSelector", "node.kubernetes.io/instance-type"])).toBe("nodeSelector.node%5C.kubernetes%5C.io/instance-type");
    expect(formatLinkKey(["replicaCount"])).toBe("replicaCount.");
    expect(formatLinkKey(["ports", 1])).toBe("ports[1].");
  });
});

describe("the changed values", () => {
  const before = {
    service: { image: { version: "py3.12" } },
    resources: { limits: { memory: "50Gi", cpu: "30000m" } },
    git: { enabled: true, branch: "main" },
    networking: { user: { port: 5000 } },
    env: [{ name: "A", value: "1" }, { name: "B", value: "2" }],
    labels: { team: "a" },
  };

  it("lists only the leaves that changed, in the form's order", () => {
    const after = structuredClone(before);
    after.resources.limits.memory = "8Gi";
    after.git.enabled = false;
    after.networking.user.port = 8888;
    expect(diffValues(before, after)).toEqual([
      { path: ["resources", "limits", "memory"], value: "8Gi" },
      { path: ["git", "enabled"], value: false },
      { path: ["networking", "user", "port"], value: 8888 },
    ]);
    expect(diffValues(before, structuredClone(before))).toEqual([]);
  });

  it("unsets removed keys and truncates shortened arrays", () => {
    const after = structuredClone(before) as Record<string, unknown> & typeof before;
    after.env = [{ name: "A", value: "1" }];
    delete (after.git as Partial<typeof before.git>).branch;
    (after as Record<string, unknown>).labels = { team: "a", "app.kubernetes.io/name": "nb" };
    expect(diffValues(before, after)).toEqual([
      { path: ["git", "branch"], value: UNSET },
      { path: ["env", 1], value: UNSET },
      { path: ["labels", "app.kubernetes.io/name"], value: "nb" },
    ]);
  });

  it("writes new array items leaf by leaf", () => {
    const after = structuredClone(before);
    after.env.push({ name: "C", value: "3" });
    expect(diffValues(before, after)).toEqual([
      { path: ["env", 2, "name"], value: "C" },
      { path: ["env", 2, "value"], value: "3" },
    ]);
  });
});

describe("the launch link", () => {
  it("has the plain parameters, then the overrides, in Onyxia's format", () => {
    const q = launchLinkQuery({ name: "my nb", version: "2.3.1", shared: true, s3: "default", autoLaunch: true }, [
      { path: ["resources", "limits", "memory"], value: "8Gi" },
      { path: ["kubernetes", "enabled"], value: false },
      { path: ["networking", "user", "port"], value: 8888 },
      { path: ["git", "branch"], value: UNSET },
    ]);
    expect(q).toBe(
      "name=my%20nb&version=2.3.1&shared=true&s3=default&resources.limits.memory=%C2%AB8Gi%C2%BB&kubernetes.enabled=false&networking.user.port=8888&git.branch=-&autoLaunch=true",
    );
    expect(launchLinkUrl("https://lab.example.org", "ide", "jupyter", q)).toBe(`https://lab.example.org/launcher/ide/jupyter?${q}`);
    expect(launchLinkUrl("https://lab.example.org", "ide", "jupyter", "")).toBe("https://lab.example.org/launcher/ide/jupyter");
  });

  it("reads back its plain parameters", () => {
    expect(readLinkParams("?name=my-nb&autoLaunch=true&resources.limits.memory=%C2%AB8Gi%C2%BB")).toEqual({
      name: "my-nb",
      version: undefined,
      shared: undefined,
      s3: undefined,
      autoLaunch: true,
    });
    expect(readLinkParams("version=2.3.1&shared=false&s3=other")).toMatchObject({ version: "2.3.1", shared: false, s3: "other" });
  });

  it("changes one parameter and keeps the others byte for byte", () => {
    const raw = "name=nb&nodeSelector.node%5C.kubernetes%5C.io/instance-type=%C2%ABg5%C2%BB&autoLaunch=true";
    expect(withParam(raw, "autoLaunch", undefined)).toBe("name=nb&nodeSelector.node%5C.kubernetes%5C.io/instance-type=%C2%ABg5%C2%BB");
    expect(withParam(`?${raw}`, "name", "new name")).toBe(
      "name=new%20name&nodeSelector.node%5C.kubernetes%5C.io/instance-type=%C2%ABg5%C2%BB&autoLaunch=true",
    );
    expect(withParam("", "version", "1.0.0")).toBe("version=1.0.0");
  });
});

describe("a link made from a link", () => {
  it("keeps the first link's overrides before the new changes", () => {
    const raw = "?name=nb&autoLaunch=true&resources.limits.memory=%C2%AB8Gi%C2%BB&replicaCount.=2&oidc-spa.x=1";
    const keep = linkOverridePairs(raw);
    expect(keep).toEqual(["resources.limits.memory=%C2%AB8Gi%C2%BB", "replicaCount.=2"]);
    expect(launchLinkQuery({ name: "nb" }, [{ path: ["git", "enabled"], value: false }], keep)).toBe(
      "name=nb&resources.limits.memory=%C2%AB8Gi%C2%BB&replicaCount.=2&git.enabled=false",
    );
  });
});
