// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run.
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { axeViolations } from "../test/axe";
import { fixture } from "../test/launchForms";
import { apiError, mockApi } from "../test/mockApi";
import { renderApp } from "../test/render";

const SECRET = "s3cr3t-Pa55";
const masked = (release: string) => [
  `curl -fsSL -o jupyter-1.0.0.tgz http://127.0.0.1:8080/api/v1/catalogs/ide/charts/jupyter/versions/1.0.0/archive\ncat <<'EOF' > values.yaml\nsecurity:\n    password: '********'\nEOF\nhelm upgrade --install ${release} ./jupyter-1.0.0.tgz --namespace user-alice -f values.yaml\n`,
];
const clear = (release: string) => [masked(release)[0]!.replace("'********'", SECRET)];

/** The launcher's API: the form is made for the release jupyter-4242; plan and launch answer its commands. */
function api() {
  return mockApi({
    "GET /catalogs": { catalogs: [] },
    "GET /catalogs/:catalog/charts/:chart": { catalog: "ide", name: "jupyter", keywords: [], versions: [{ version: "1.0.0" }] },
    "GET /projects/:project/launch/form": () => ({ form: fixture("jupyter"), catalog: "ide", allowSharing: false, release: "jupyter-4242" }),
    "POST /projects/:project/launch/plan": ({ body }) => {
      const release = (body as { release: string }).release;
      return { release, chart: "jupyter", version: "1.0.0", values: {}, commands: masked(release), commandsWithSecrets: clear(release) };
    },
    "POST /projects/:project/services": ({ body }) => {
      const release = (body as { release: string }).release;
      return {
        service: { id: release, friendlyName: "jupyter", catalog: "ide", chart: "jupyter", version: "1.0.0", status: "pending", ready: false,
          workloads: [], urls: [], owner: "alice", shared: false, suspendable: true, suspended: false, simulated: false },
        commands: masked(release),
        commandsWithSecrets: clear(release),
      };
    },
    "GET /projects/:project/services/:service": apiError(404, "not_found", "no service"),
  });
}

let writeText: ReturnType<typeof vi.fn>;
function clipboard() {
  writeText = vi.fn(() => Promise.resolve());
  Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
}
const copied = () => writeText.mock.calls.at(-1)?.[0] as string;

beforeEach(() => {
  localStorage.clear();
  localStorage.setItem("basalt.language", "en");
});

describe("commands that run as shown", () => {
  it("the launch form's name is the one its preview shows and its launch asks for; secrets are masked until revealed", async () => {
    const m = api();
    const user = userEvent.setup();
    clipboard();
    renderApp("/launcher/ide/jupyter", m.client);
    await screen.findByRole("tablist", { name: "Settings" });

    await user.click(screen.getByRole("button", { name: "Show the commands" }));
    const dialog = await screen.findByRole("dialog", { name: "The equivalent commands" });
    expect((m.find("POST", "/projects/user-alice/launch/plan")[0]!.body as { release: string }).release).toBe("jupyter-4242");
    const preview = within(dialog).getByLabelText("The equivalent commands");
    expect(preview.textContent).toContain("helm upgrade --install jupyter-4242 ./jupyter-1.0.0.tgz");
    expect(preview.textContent).not.toContain(SECRET);
    // Copy buttons say "Copied" for a while: each is found once.
    const copy = within(dialog).getByRole("button", { name: "Copy" });
    await user.click(copy);
    expect(copied()).not.toContain(SECRET);
    await user.click(within(dialog).getByRole("button", { name: "Reveal secrets" }));
    expect(preview.textContent).toContain(`password: ${SECRET}`);
    await user.click(copy);
    expect(copied()).toContain(`password: ${SECRET}`);
    expect(await axeViolations(dialog)).toEqual([]);
    await user.click(within(dialog).getAllByRole("button", { name: "Close" })[0]!);

    await user.click(screen.getByRole("button", { name: "Launch" }));
    await waitFor(() => expect(m.find("POST", "/projects/user-alice/services")).toHaveLength(1));
    expect((m.find("POST", "/projects/user-alice/services")[0]!.body as { release: string }).release).toBe("jupyter-4242");
  });

  it("the panel and its export mask secrets; a reveal shows and copies them and keeps them out of the history", async () => {
    const m = api();
    const user = userEvent.setup();
    clipboard();
    const { container } = renderApp("/launcher/ide/jupyter", m.client);
    await screen.findByRole("tablist", { name: "Settings" });
    await user.click(screen.getByRole("button", { name: "Launch" }));
    await waitFor(() => expect(m.find("POST", "/projects/user-alice/services")).toHaveLength(1));

    const panel = screen.getByRole("region", { name: "Commands" });
    await user.click(within(panel).getByRole("button", { name: /Commands/ }));
    const entry = within(panel).getByText("Launch jupyter").closest("li") as HTMLElement;
    const code = entry.querySelector("code") as HTMLElement;
    expect(code.textContent).toContain("password: '********'");
    expect(code.textContent).not.toContain(SECRET);
    const copyAll = within(panel).getByRole("button", { name: "Copy all" });
    await user.click(copyAll);
    expect(copied()).toContain("helm upgrade --install jupyter-4242");
    expect(copied()).not.toContain(SECRET);

    const reveal = within(entry).getByRole("button", { name: "Reveal secrets" });
    expect(reveal.getAttribute("aria-pressed")).toBe("false");
    await user.click(reveal);
    expect(code.textContent).toContain(`password: ${SECRET}`);
    await user.click(within(entry).getByRole("button", { name: "Copy the commands" }));
    expect(copied()).toContain(`password: ${SECRET}`);
    await user.click(copyAll);
    expect(copied()).toContain(`password: ${SECRET}`);
    expect(await axeViolations(panel)).toEqual([]);

    await user.click(within(entry).getByRole("button", { name: "Hide secrets" }));
    expect(code.textContent).not.toContain(SECRET);
    await user.click(copyAll);
    expect(copied()).not.toContain(SECRET);
    // Nothing the browser keeps holds the secret.
    expect(JSON.stringify({ ...localStorage })).not.toContain(SECRET);
    expect(JSON.stringify({ ...sessionStorage })).not.toContain(SECRET);
    expect(container.innerHTML).not.toContain(SECRET);
  });
});
