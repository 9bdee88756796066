// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run.
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { axeViolations } from "../test/axe";
import { testService } from "../test/fixtures";
import { mockApi, testMe } from "../test/mockApi";
import { renderApp } from "../test/render";
import { historyKey, MAX_KEPT, MAX_KEPT_CHARS, mergeHistory, parseHistory, serializeHistory } from "./history";
import type { CommandEntry } from "./commandLog";

const masked = "helm upgrade jupyter-1 ide/jupyter --namespace user-alice --version 2.1.0 --reuse-values --set global.suspend=true --set password='********'";

function api(me = testMe) {
  return mockApi({
    "GET /me": me,
    "GET /catalogs": { catalogs: [] },
    "GET /projects/:project/services": { services: [testService()], commands: ["helm list --namespace user-alice"] },
    "GET /projects/:project/quota": { hard: {}, used: {}, commands: [] },
    "POST /projects/:project/services/:service/suspend": {
      commands: [masked],
      commandsWithSecrets: [masked.replace("********", "s3cret-pw")],
    },
  });
}

async function openPanel() {
  const user = userEvent.setup();
  const panel = await screen.findByRole("region", { name: "Commands" });
  await user.click(within(panel).getByRole("button", { name: /Commands/ }));
  return panel;
}

describe("the command history", () => {
  beforeEach(() => {
    localStorage.clear();
    localStorage.setItem("basalt.language", "en");
  });

  it("survives a reload, in this browser, without the secrets the panel masks", async () => {
    const first = renderApp("/my-services", api().client);
    const user = userEvent.setup();
    const card = await screen.findByRole("article", { name: "My notebook" });
    await user.click(within(card).getByRole("button", { name: "Pause" }));
    let panel = await openPanel();
    await within(panel).findByText("Pause service jupyter-1");
    const time = within(panel).getAllByRole("time")[0]!.getAttribute("datetime");
    first.unmount();

    const stored = localStorage.getItem(historyKey("alice"))!;
    expect(stored).toContain("--set global.suspend=true");
    expect(stored).not.toContain("s3cret-pw");
    expect(stored).toContain("Authorization: Bearer $BASALT_TOKEN");

    // A reload: a new page, the same browser.
    renderApp("/account", api().client);
    panel = await openPanel();
    const entry = (await within(panel).findByText("Pause service jupyter-1")).closest("li")!;
    expect(within(entry).getByRole("time").getAttribute("datetime")).toBe(time);
    expect(entry.textContent).toContain("password='********'");
    const lines = [...panel.querySelectorAll("code")].flatMap((c) => c.textContent!.split("\n"));
    expect(lines).toContain("helm list --namespace user-alice");
    // Each action ends with its API call as a script makes it, the token read from the environment.
    expect(entry.textContent).toMatch(/curl -fsS -X POST -H "Authorization: Bearer \$BASALT_TOKEN" \S*\/api\/v1\/projects\/user-alice\/services\/jupyter-1\/suspend/);
    expect(await axeViolations(panel)).toEqual([]);

    // Clear empties what the browser keeps too.
    await userEvent.setup().click(within(panel).getByRole("button", { name: "Clear" }));
    await waitFor(() => expect(localStorage.getItem(historyKey("alice"))).toBeNull());
  });

  it("is each user's own", async () => {
    localStorage.setItem(historyKey("alice"), serializeHistory([entry(1, "helm list --namespace user-alice")]));
    renderApp("/account", api({ ...testMe, username: "bob", name: "Bob" }).client);
    const panel = await openPanel();
    expect(within(panel).getByText("The equivalent helm, kubectl, mc and vault commands of your actions will appear here.")).toBeTruthy();
    expect(localStorage.getItem(historyKey("alice"))).toContain("user-alice");
  });
});

function entry(id: number, command: string): CommandEntry {
  return { id, action: "servicesList", target: "", commands: [command], change: false, at: new Date(Date.UTC(2026, 0, 1, 0, 0, id)) };
}

describe("what the browser keeps", () => {
  it("is bounded in entries and in size, the oldest dropped first", () => {
    const many = Array.from({ length: 80 }, (_, i) => entry(80 - i, `echo ${80 - i}`));
    const kept = parseHistory(serializeHistory(many));
    expect(kept).toHaveLength(MAX_KEPT);
    expect(kept[0]!.commands).toEqual(["echo 80"]);
    expect(kept[0]!.at.toISOString()).toBe(many[0]!.at.toISOString());

    const big = Array.from({ length: 10 }, (_, i) => entry(10 - i, "x".repeat(30_000)));
    const json = serializeHistory(big);
    expect(json.length).toBeLessThanOrEqual(MAX_KEPT_CHARS);
    expect(parseHistory(json).map((e) => e.at.toISOString())).toEqual(big.slice(0, 6).map((e) => e.at.toISOString()));
  });

  it("keeps only an entry's own fields, and skips what is not an entry", () => {
    const withSecrets = { ...entry(1, "vault kv put secret/x key=…"), commandsWithSecrets: ["vault kv put secret/x key=hunter2"] };
    expect(serializeHistory([withSecrets])).not.toContain("hunter2");
    expect(parseHistory("not json")).toEqual([]);
    expect(parseHistory('{"a":1}')).toEqual([]);
    const mixed = parseHistory(JSON.stringify([{ action: "servicesList", target: "", commands: ["ls"], change: false, at: "2026-01-01T00:00:00Z" }, { commands: 3 }, null]));
    expect(mixed.map((e) => e.commands)).toEqual([["ls"]]);
  });

  it("keeps the page's own entry objects when read again, and follows another tab's clear", () => {
    let id = 100;
    const mine = entry(2, "helm list --namespace user-alice");
    const earlier = entry(1, "mc ls s3/user-alice/");
    const stored = parseHistory(serializeHistory([mine, earlier]));
    const merged = mergeHistory([mine], stored, () => id++);
    expect(merged[0]).toBe(mine);
    expect(merged[1]).toMatchObject({ id: 100, commands: ["mc ls s3/user-alice/"] });
    expect(mergeHistory(merged, [], () => id++)).toEqual([]);
    // The first read keeps what the page recorded before it, newest first.
    const before = entry(3, "helm status jupyter-1");
    expect(mergeHistory([before], stored, () => id++, true).map((e) => e.commands[0])).toEqual([
      "helm status jupyter-1",
      "helm list --namespace user-alice",
      "mc ls s3/user-alice/",
    ]);
  });
});
