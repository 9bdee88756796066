// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run; colour contrast needs a real layout and is
// checked in Chromium by the end-to-end suite.
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import type { ReactNode } from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { DiffView } from "../../api/types";
import { I18nProvider } from "../../i18n";
import { fixture } from "../../test/launchForms";
import { ChangeDiff } from "./ChangeDiff";
import { ChangeVersionPicker } from "./ChangeVersionPicker";

const diff: DiffView = {
  values: [
    { path: "git.name", before: "John Doe", after: "Ada Lovelace" },
    { path: "security.password", before: "********", after: "********" },
    { path: "resources.limits", before: { cpu: "2", memory: "4Gi" }, after: { cpu: "4", memory: "4Gi" } },
    { path: "init.personalInit", before: "https://example.org/init.sh", removed: true },
    { path: "service.extra", after: true },
  ],
  manifest: "--- running\n+++ changed\n@@ -10,3 +10,3 @@\n env:\n-  GIT_USER_NAME: John Doe\n+  GIT_USER_NAME: Ada Lovelace\n",
  dropped: ["oldSection.flag"],
};

function renderIn(lang: "en" | "fr", node: ReactNode) {
  localStorage.setItem("basalt.language", lang);
  return render(<I18nProvider languages={["en", "fr"]}>{node}</I18nProvider>);
}

async function axeViolations(node: Element) {
  const r = await axe.run(node, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    rules: { "color-contrast": { enabled: false } },
  });
  return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

beforeEach(() => localStorage.clear());

describe("the difference of a change", () => {
  it("shows each value before and after, named by its field, secrets as the server masked them", () => {
    renderIn("en", <ChangeDiff diff={diff} fromVersion="1.0.0" toVersion="2.0.0" root={fixture("jupyter").root} />);
    expect(screen.getByText("Chart version 1.0.0 → 2.0.0")).toBeTruthy();
    const table = screen.getByRole("table", { name: "Values that change (5)" });
    expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Setting", "Before", "After"]);
    const row = (path: string) => within(table).getByRole("row", { name: new RegExp(path.replace(".", "\\.")) });
    const name = row("git.name");
    expect(within(name).getByRole("rowheader").textContent).toBe("Author namegit.name");
    expect(within(name).getAllByRole("cell").map((c) => c.textContent)).toEqual(["John Doe", "Ada Lovelace"]);
    expect(within(row("security.password")).getAllByRole("cell").map((c) => c.textContent)).toEqual(["********", "********"]);
    expect(within(row("resources.limits")).getAllByRole("cell")[1]!.textContent).toBe('{\n  "cpu": "4",\n  "memory": "4Gi"\n}');
    expect(within(row("init.personalInit")).getAllByRole("cell")[1]!.textContent).toBe("removed");
    expect(within(row("service.extra")).getAllByRole("cell").map((c) => c.textContent)).toEqual(["not set", "true"]);
    expect(screen.getByRole("note").textContent).toContain("no place in version 2.0.0");
    expect(screen.getByRole("note").textContent).toContain("oldSection.flag");
  });

  it("folds the manifests' difference, each line marked added, removed or kept, with its numbers", async () => {
    const user = userEvent.setup();
    renderIn("en", <ChangeDiff diff={diff} fromVersion="1.0.0" toVersion="1.0.0" />);
    expect(screen.getByText("Chart version 1.0.0, unchanged")).toBeTruthy();
    const summary = screen.getByText("Rendered manifests (lines +1 −1)");
    const details = summary.closest("details")!;
    expect(details.open).toBe(false);
    await user.click(summary);
    expect(details.open).toBe(true);
    const pre = screen.getByLabelText("Difference of the rendered manifests");
    expect(pre.tabIndex).toBe(0);
    const lines = [...pre.children] as HTMLElement[];
    expect(lines.map((l) => [l.dataset.kind, l.textContent, l.dataset.before, l.dataset.after])).toEqual([
      ["file", "--- running", "", ""],
      ["file", "+++ changed", "", ""],
      ["hunk", "@@ -10,3 +10,3 @@", "", ""],
      ["context", " env:", "10", "10"],
      ["removed", "-  GIT_USER_NAME: John Doe", "11", ""],
      ["added", "+  GIT_USER_NAME: Ada Lovelace", "", "11"],
    ]);
  });

  it("says when a change changes nothing", () => {
    renderIn("fr", <ChangeDiff diff={{ values: [], manifest: "", dropped: [] }} fromVersion="1.0.0" toVersion="1.0.0" />);
    expect(screen.getByText("Rien ne change : le service tournerait comme maintenant.")).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("has no accessibility violation, folded or open", async () => {
    const { container } = renderIn("en", <ChangeDiff diff={diff} fromVersion="1.0.0" toVersion="2.0.0" />);
    expect(await axeViolations(container)).toEqual([]);
    container.querySelector("details")!.open = true;
    expect(await axeViolations(container)).toEqual([]);
  });
});

describe("the version picker of a change", () => {
  it("marks the running version and offers the newest when it is newer", async () => {
    const onChange = vi.fn();
    const user = userEvent.setup();
    renderIn("en", <ChangeVersionPicker current="2.1.11" versions={["2.5.2", "2.3.19", "2.1.11"]} value="2.1.11" onChange={onChange} />);
    const select = screen.getByLabelText("Chart version") as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(["2.5.2", "2.3.19", "2.1.11 (running)"]);
    expect(screen.getByText("Update available: 2.5.2")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Use 2.5.2" }));
    expect(onChange).toHaveBeenLastCalledWith("2.5.2");
    await user.selectOptions(select, "2.3.19");
    expect(onChange).toHaveBeenLastCalledWith("2.3.19");
  });

  it("says nothing of an update when the running version is the newest, and keeps a version the catalog dropped", () => {
    renderIn("fr", <ChangeVersionPicker current="3.0.0" versions={["2.5.2"]} value="3.0.0" onChange={() => {}} />);
    const select = screen.getByLabelText("Version du chart") as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(["2.5.2", "3.0.0 (en cours)"]);
    expect(select.value).toBe("3.0.0");
    expect(screen.queryByText(/Mise à jour disponible/)).toBeNull();
  });

  it("with the update chosen, no longer offers it, and has no accessibility violation", async () => {
    const { container } = renderIn("en", <ChangeVersionPicker current="2.1.11" versions={["2.5.2", "2.1.11"]} value="2.5.2" onChange={() => {}} />);
    expect(screen.getByText("Update available: 2.5.2")).toBeTruthy();
    expect(screen.queryByRole("button")).toBeNull();
    expect(await axeViolations(container)).toEqual([]);
  });
});
