import { fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { beforeEach, describe, expect, it } from "vitest";
import type { FormField } from "../../api/types";
import { I18nProvider } from "../../i18n";
import { fixture, fixtures } from "../../test/launchForms";
import { errorsByPath, initialValues, isHidden, launchValues, rangePairs, sections, type FieldErrors } from "./formModel";
import { LaunchForm } from "./LaunchForm";
import { getIn, setIn, type Values } from "./paths";

/** The form with its values kept in state, as the launcher keeps them. */
function Harness({ root, errors = new Map(), onValues }: { root: FormField; errors?: FieldErrors; onValues?(v: Values): void }) {
  const [values, setValues] = useState(() => initialValues(root));
  const [tab, setTab] = useState<string>();
  return (
    <I18nProvider languages={["en", "fr"]}>
      <LaunchForm
        root={root}
        values={values}
        errors={errors}
        tab={tab}
        onTab={setTab}
        onChange={(p, v) =>
          setValues((prev) => {
            const next = setIn(prev, p, v);
            onValues?.(next);
            return next;
          })
        }
      />
    </I18nProvider>
  );
}

const tab = (name: string | RegExp) => screen.getByRole("tab", { name });
const panel = () => screen.getByRole("tabpanel");

beforeEach(() => localStorage.setItem("basalt.language", "en"));

describe("the form generator over every captured chart", () => {
  const names = Object.keys(fixtures).sort();

  it("has the default catalog and the Onyxia charts", () => {
    expect(names).toEqual(expect.arrayContaining(["jupyter", "vscode", "rstudio", "postgresql", "onyxia-jupyter-python-2.5.2"]));
    expect(names.length).toBeGreaterThanOrEqual(12);
  });

  it.each(names)("renders every tab of %s without error, every input labelled", async (name) => {
    const root = fixture(name).root!;
    render(<Harness root={root} />);
    const tabs = screen.getAllByRole("tab");
    const values = initialValues(root);
    expect(tabs.length).toBe(sections(root, values, rangePairs(root)).length);
    expect(tabs.length).toBeGreaterThan(3);
    for (const t of tabs) {
      fireEvent.click(t);
      expect(t.getAttribute("aria-selected")).toBe("true");
      const p = panel();
      expect(p.textContent?.trim()).not.toBe("");
      // Every control has an accessible name.
      for (const el of p.querySelectorAll("input, select, textarea")) {
        const id = el.getAttribute("id");
        const named = el.getAttribute("aria-label") || (id && p.querySelector(`label[for="${CSS.escape(id)}"]`)) || el.closest("label");
        expect(named, `${name}: ${el.outerHTML}`).toBeTruthy();
      }
    }
  });
});

describe("widgets", () => {
  it("draws a checkbox, text, password with reveal, select, text area and slider with unit", async () => {
    const user = userEvent.setup();
    let last: Values = {};
    render(<Harness root={fixture("jupyter").root!} onValues={(v) => (last = v)} />);

    await user.click(tab("Git"));
    expect((screen.getByLabelText("Configure git in the service") as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText("Author name") as HTMLInputElement).value).toBe("John Doe");
    const token = screen.getByLabelText("Access token") as HTMLInputElement;
    expect(token.type).toBe("password");
    await user.click(screen.getByRole("button", { name: "Show Access token" }));
    expect(token.type).toBe("text");
    await user.click(screen.getByRole("button", { name: "Hide Access token" }));
    expect(token.type).toBe("password");

    await user.click(tab("Jupyter"));
    expect(screen.getByRole("group", { name: "Notebook image" })).toBeTruthy();
    const image = screen.getByLabelText("Version") as HTMLSelectElement;
    expect(image.tagName).toBe("SELECT");
    expect(within(image).getAllByRole("option").map((o) => o.textContent)).toContain("quay.io/jupyter/scipy-notebook:python-3.12");
    await user.selectOptions(image, "quay.io/jupyter/scipy-notebook:python-3.12");
    expect(getIn(last, ["service", "image", "version"])).toBe("quay.io/jupyter/scipy-notebook:python-3.12");

    await user.click(tab("Startup"));
    expect(screen.getByLabelText("Startup script").tagName).toBe("TEXTAREA");

    await user.click(tab("Persistent storage"));
    const size = screen.getByRole("slider", { name: "Volume size" }) as HTMLInputElement;
    expect(size.value).toBe("10");
    fireEvent.change(size, { target: { value: "25" } });
    expect(getIn(last, ["persistence", "size"])).toBe("25Gi");
    expect(screen.getByText("Gi")).toBeTruthy();
    await user.clear(screen.getByLabelText("Volume size, exact value"));
    await user.type(screen.getByLabelText("Volume size, exact value"), "40");
    expect(getIn(last, ["persistence", "size"])).toBe("40Gi");
  });

  it("locks read-only fields", async () => {
    const user = userEvent.setup();
    render(<Harness root={fixture("postgresql").root!} />);
    await user.click(tab("PostgreSQL"));
    const port = screen.getByLabelText(/^Port/) as HTMLInputElement;
    expect(port.readOnly).toBe(true);
    expect(port.value).toBe("5432");
    expect(within(port.closest("[data-path]") as HTMLElement).getByText("locked")).toBeTruthy();
  });

  it("edits lists: add, fill and remove items", async () => {
    const user = userEvent.setup();
    let last: Values = {};
    render(<Harness root={fixture("onyxia-jupyter-python-2.5.2").root!} onValues={(v) => (last = v)} />);
    await user.click(tab("Environment variables"));
    expect(screen.getByText("No item.")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Add to Environment variables" }));
    expect(getIn(last, ["extraEnvVars"])).toHaveLength(1);
    const item = screen.getByRole("group", { name: "Item 1" });
    // A new item starts from the item's defaults.
    expect((within(item).getByLabelText("Name") as HTMLInputElement).value).toBe("VAR_NAME");
    await user.clear(within(item).getByLabelText("Name"));
    await user.type(within(item).getByLabelText("Name"), "DEBUG");
    expect(getIn(last, ["extraEnvVars", 0, "name"])).toBe("DEBUG");
    await user.click(screen.getByRole("button", { name: "Remove item 1 of Environment variables" }));
    expect(getIn(last, ["extraEnvVars"])).toEqual([]);
  });

  it("edits key-value objects and free-form JSON", async () => {
    const user = userEvent.setup();
    let last: Values = {};
    const root: FormField = {
      path: "",
      widget: "group",
      fields: [
        { path: "labels", key: "labels", type: "object", title: "Labels", widget: "yaml", value: { team: "a" } },
        { path: "tolerations", key: "tolerations", type: "array", title: "Tolerations", widget: "yaml", value: [] },
      ],
    };
    render(<Harness root={root} onValues={(v) => (last = v)} />);
    expect((screen.getByLabelText("Key 1") as HTMLInputElement).value).toBe("team");
    await user.click(screen.getByRole("button", { name: "Add an entry" }));
    await user.type(screen.getByLabelText("Key 2"), "app");
    await user.type(screen.getByLabelText("Value 2"), "nb");
    expect(last.labels).toEqual({ team: "a", app: "nb" });
    await user.click(screen.getByRole("button", { name: "Remove entry 1" }));
    expect(last.labels).toEqual({ app: "nb" });

    await user.click(tab("Tolerations"));
    const json = screen.getByRole("textbox", { name: "Tolerations" });
    fireEvent.change(json, { target: { value: '[{"key": "gpu"' } });
    expect(screen.getByText(/not valid JSON/)).toBeTruthy();
    fireEvent.change(json, { target: { value: '[{"key": "gpu"}]' } });
    expect(last.tolerations).toEqual([{ key: "gpu" }]);
  });
});

describe("hidden conditions", () => {
  it("hide and show fields live as the values change (absolute paths from the server)", async () => {
    const user = userEvent.setup();
    render(<Harness root={fixture("jupyter").root!} />);
    await user.click(tab("Git"));
    expect(screen.getByLabelText("Author name")).toBeTruthy();
    await user.click(screen.getByLabelText("Configure git in the service"));
    expect(screen.queryByLabelText("Author name")).toBeNull();
    expect(screen.queryByLabelText("Access token")).toBeNull();
    await user.click(screen.getByLabelText("Configure git in the service"));
    expect(screen.getByLabelText("Author name")).toBeTruthy();
  });

  it("understand absolute '/' paths too", () => {
    const values = { s3: { enabled: false, endpoint: "x" }, mode: "simple" };
    const abs: FormField = { path: "s3.endpoint", key: "endpoint", widget: "text", hiddenWhen: { path: "/s3/enabled", value: true } };
    const dotted: FormField = { path: "s3.endpoint", key: "endpoint", widget: "text", hiddenWhen: { path: "s3.enabled", value: false } };
    expect(isHidden(abs, values)).toBe(false);
    expect(isHidden(dotted, values)).toBe(true);
    expect(isHidden({ ...dotted, hiddenWhen: { path: "s3", value: { enabled: false, endpoint: "x" } } }, values)).toBe(true);
    expect(isHidden({ path: "a", widget: "text", hidden: true }, {})).toBe(true);
  });

  it("leave out of a launch the platform's values the user left as they were", () => {
    const root: FormField = {
      path: "",
      widget: "group",
      fields: [
        {
          path: "ingress",
          key: "ingress",
          widget: "group",
          fields: [
            { path: "ingress.hostname", key: "hostname", widget: "text", value: "user-a-42-0.lab.example.org", hidden: true },
            { path: "ingress.class", key: "class", widget: "text", value: "nginx", readonly: true },
          ],
        },
        { path: "token", key: "token", widget: "text", value: "t0", hidden: true },
        { path: "s3", key: "s3", widget: "group", fields: [{ path: "s3.endpoint", key: "endpoint", widget: "text", value: "x", hiddenWhen: { path: "s3.endpoint", value: "x" } }] },
        { path: "cpu", key: "cpu", widget: "text", value: "1" },
      ],
    };
    const initial = initialValues(root);
    expect(launchValues(root, initial, initial)).toEqual({ ingress: {}, s3: { endpoint: "x" }, cpu: "1" });
    // A platform's value the user changed (in the values' YAML) goes, for the server to refuse.
    const changed = setIn(setIn(initial, ["token"], "mine"), ["cpu"], "2");
    expect(launchValues(root, changed, initial)).toEqual({ ingress: {}, token: "mine", s3: { endpoint: "x" }, cpu: "2" });
  });

  it("drop a tab whose fields are all hidden", () => {
    const root: FormField = {
      path: "",
      widget: "group",
      fields: [
        { path: "a", key: "a", widget: "group", title: "A", fields: [{ path: "a.on", key: "on", widget: "checkbox", value: false, title: "On" }] },
        { path: "b", key: "b", widget: "group", title: "B", fields: [{ path: "b.x", key: "x", widget: "text", value: "", title: "X", hiddenWhen: { path: "a.on", value: false } }] },
      ],
    };
    const pairs = rangePairs(root);
    expect(sections(root, initialValues(root), pairs).map((s) => s.id)).toEqual(["a"]);
    expect(sections(root, setIn(initialValues(root), ["a", "on"], true), pairs).map((s) => s.id)).toEqual(["a", "b"]);
  });
});

describe("range sliders", () => {
  it("join the two ends of a sliderRangeId in one control where their paths meet", async () => {
    const user = userEvent.setup();
    let last: Values = {};
    const root = fixture("jupyter").root!;
    expect([...rangePairs(root).values()].map((p) => [p.id, p.anchor, p.down.path, p.up.path])).toEqual([
      ["cpu", "resources", "resources.requests.cpu", "resources.limits.cpu"],
      ["memory", "resources", "resources.requests.memory", "resources.limits.memory"],
    ]);
    render(<Harness root={root} onValues={(v) => (last = v)} />);
    await user.click(tab(/Resources/));
    const memory = screen.getByRole("group", { name: "Memory request – Memory limit" });
    const [lo, hi] = within(memory).getAllByRole("slider") as HTMLInputElement[];
    expect(lo!.getAttribute("aria-label")).toBe("Memory request");
    expect(hi!.getAttribute("aria-label")).toBe("Memory limit");
    expect([lo!.value, hi!.value]).toEqual(["2", "50"]);
    // The subgroups requests and limits hold nothing else: they are not drawn.
    expect(screen.queryByRole("group", { name: "Limits" })).toBeNull();

    fireEvent.change(lo!, { target: { value: "8" } });
    expect(getIn(last, ["resources", "requests", "memory"])).toBe("8Gi");
    // The lower end pushes the upper one along, and the other way round.
    fireEvent.change(lo!, { target: { value: "64" } });
    expect(getIn(last, ["resources", "limits", "memory"])).toBe("64Gi");
    fireEvent.change(hi!, { target: { value: "4" } });
    expect(getIn(last, ["resources", "requests", "memory"])).toBe("4Gi");
    expect(getIn(last, ["resources", "limits", "memory"])).toBe("4Gi");
    expect(within(memory).getAllByText("request").length + within(memory).getAllByText("limit").length).toBe(2);
    const cpu = screen.getByRole("group", { name: "CPU request – CPU limit" });
    expect(within(cpu).getAllByText("m").length).toBe(2);
  });

  it("leave an end without its pair as a plain slider", () => {
    const root: FormField = {
      path: "",
      widget: "group",
      fields: [
        {
          path: "gpu",
          key: "gpu",
          widget: "rangeSlider",
          title: "GPU",
          value: 1,
          slider: { min: 0, max: 4, step: 1, rangeId: "gpu", extremity: "up" },
        },
      ],
    };
    render(<Harness root={root} />);
    expect((screen.getByRole("slider", { name: "GPU" }) as HTMLInputElement).value).toBe("1");
  });
});

describe("validation display", () => {
  it("shows the server's rules at their fields and marks their tabs", async () => {
    const user = userEvent.setup();
    const errors = errorsByPath([
      { field: "persistence.size", rule: "must be at most 100Gi" },
      { field: "git.name", rule: "is required" },
      { field: "resources.limits.memory", rule: "must be at least resources.requests.memory" },
    ]);
    render(<Harness root={fixture("jupyter").root!} errors={errors} />);
    expect(tab(/Persistent storage/).textContent).toContain("1 to correct");
    expect(tab(/^Jupyter/).textContent).not.toContain("to correct");
    await user.click(tab(/Persistent storage/));
    const size = screen.getByRole("slider", { name: "Volume size" });
    expect(size.getAttribute("aria-invalid")).toBe("true");
    const err = screen.getByText("must be at most 100Gi");
    expect(size.getAttribute("aria-describedby")).toContain(err.id);
    await user.click(tab(/Git/));
    expect(within(screen.getByLabelText("Author name").closest("[data-path]") as HTMLElement).getByText("is required")).toBeTruthy();
    await user.click(tab(/Resources/));
    expect(within(screen.getByRole("group", { name: "Memory request – Memory limit" })).getByText(/must be at least/)).toBeTruthy();
  });
});

describe("field order", () => {
  it("draws fields in the order the server sends them: the chart schema's own", async () => {
    const user = userEvent.setup();
    const { container } = render(<Harness root={fixture("jupyter").root!} />);
    await user.click(tab("Git"));
    const labels = [...container.querySelectorAll("[role=tabpanel] [data-path]")].map((e) => e.getAttribute("data-path"));
    expect(labels).toEqual(["git.enabled", "git.name", "git.email", "git.cache", "git.token", "git.repository", "git.branch", "git.asCodeServerRoot"]);
  });
});
