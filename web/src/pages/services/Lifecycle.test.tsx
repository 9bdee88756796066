import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { LifecycleView } from "../../api/types";
import { fromLocalInput, toLocalInput } from "../../lifecycle/keepTime";
import { testLifecycle, testService, twoRegionsConfig } from "../../test/fixtures";
import { apiError, mockApi, testConfig, type MockRoutes } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const H = 3600;
const DAY = 86_400;

/** Working hours: 8 h idle (the owner may choose up to a day), deleted a week after, kept 2 h at most; used 3 h ago, a notice out. */
const lifecycle = (over: Partial<LifecycleView> = {}): LifecycleView =>
  testLifecycle({
    policy: "Working hours",
    maxSuspendAfterIdleSeconds: DAY,
    deleteAfterSuspendedSeconds: 7 * DAY,
    maxKeepSeconds: 2 * H,
    lastActive: new Date(Date.now() - 3 * H * 1000).toISOString(),
    notice: { action: "suspend", reason: "idle", due: new Date(Date.now() + 25 * 60_000).toISOString() },
    ...over,
  });

const service = (l: LifecycleView) => testService({ lifecycle: l });

/** A server whose service has the lifecycle given; PUT …/lifecycle applies as the server would, or answers what refuse says. */
function api(l: LifecycleView, routes: MockRoutes = {}, refuse?: (body: Record<string, unknown>) => unknown) {
  let current = l;
  return mockApi({
    "GET /catalogs": { catalogs: [] },
    "GET /catalogs/:catalog/charts/:chart": { catalog: "ide", name: "jupyter", keywords: [], versions: [{ version: "2.1.0" }] },
    "GET /me/notices": { notices: [] },
    "GET /projects/:project/lifecycle": { lifecycle: lifecycle({ notice: undefined }), noticeBeforeSuspendSeconds: 1800, noticeBeforeDeleteSeconds: DAY },
    "GET /projects/:project/services": () => ({ services: [service(current)], commands: [] }),
    "GET /projects/:project/services/:service": () => ({ service: service(current), values: {}, manifest: "", commands: [] }),
    "PUT /projects/:project/services/:service/lifecycle": ({ body }) => {
      const b = body as { keepUntil?: string; stopKeeping?: boolean; suspendAfterIdleSeconds?: number };
      const refused = refuse?.(b);
      if (refused) return refused;
      current = { ...current, notice: undefined };
      if (b.keepUntil) current.keepUntil = b.keepUntil;
      if (b.stopKeeping) current.keepUntil = undefined;
      if (b.suspendAfterIdleSeconds !== undefined) {
        current.ownerChoseIdle = b.suspendAfterIdleSeconds > 0;
        current.suspendAfterIdleSeconds = b.suspendAfterIdleSeconds || 8 * H;
      }
      return { service: service(current), commands: [] };
    },
    ...routes,
  });
}

const dateOf = (input: HTMLElement) => fromLocalInput((input as HTMLInputElement).value)!.getTime();

describe("the lifecycle on the service page", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("says what the policy does, shows the notice, and keeps within the policy's bounds", async () => {
    const m = api(lifecycle());
    const user = userEvent.setup();
    renderApp("/my-services/jupyter-1", m.client);
    await screen.findByRole("heading", { level: 1, name: "My notebook" });
    const section = screen.getByRole("region", { name: /Lifecycle/ });
    for (const line of ["Suspends after 8 h idle", "Deleted 7 days after suspension", "Last used 3 hours ago"]) {
      expect(within(section).getByText(line)).toBeTruthy();
    }
    expect(screen.getByText(/^My notebook will be suspended (today|tomorrow) at \d\d:\d\d: idle$/)).toBeTruthy();

    await user.click(screen.getByRole("button", { name: "Keep it" }));
    const dialog = screen.getByRole("dialog", { name: "Keep My notebook until…" });
    const input = within(dialog).getByLabelText("Keep until");
    // At most 2 h: the default is the latest time allowed; the field's bounds say the same.
    const now = Date.now();
    expect(dateOf(input)).toBeGreaterThan(now + 2 * H * 1000 - 3 * 60_000);
    expect(dateOf(input)).toBeLessThanOrEqual(now + 2 * H * 1000);
    expect(input.getAttribute("max")).toBe((input as HTMLInputElement).value);
    expect(fromLocalInput(input.getAttribute("min")!)!.getTime()).toBeGreaterThan(now);
    // Tomorrow is too far for this policy: the one quick choice is the most it allows.
    expect(within(within(dialog).getByRole("group", { name: "Quick choices" })).getAllByRole("button").map((b) => b.textContent)).toEqual([
      expect.stringMatching(/^As long as allowed/),
    ]);

    // A time beyond the bounds is refused here, before any request.
    fireEvent.change(input, { target: { value: toLocalInput(new Date(now + 5 * H * 1000)) } });
    await user.click(within(dialog).getByRole("button", { name: /^Keep until / }));
    expect(within(dialog).getByText("Choose a time at most 2 h from now.")).toBeTruthy();
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(m.find("PUT", "/projects/user-alice/services/jupyter-1/lifecycle")).toHaveLength(0);

    fireEvent.change(input, { target: { value: toLocalInput(new Date(now + H * 1000)) } });
    await user.click(within(dialog).getByRole("button", { name: /^Keep until / }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    const put = m.find("PUT", "/projects/user-alice/services/jupyter-1/lifecycle")[0]!;
    expect(Date.parse((put.body as { keepUntil: string }).keepUntil)).toBe(fromLocalInput(toLocalInput(new Date(now + H * 1000)))!.getTime());
    // The page shows the keep, and the notice is gone.
    expect(await within(section).findByText(/^Kept until /)).toBeTruthy();
    expect(screen.queryByText(/will be suspended/)).toBeNull();

    await user.click(within(section).getByRole("button", { name: "Stop keeping" }));
    await waitFor(() => expect(within(section).queryByText(/^Kept until /)).toBeNull());
    expect(m.find("PUT", "/projects/user-alice/services/jupyter-1/lifecycle")[1]!.body).toEqual({ stopKeeping: true });
  });

  it("shows the server's refusal at the field", async () => {
    const m = api(lifecycle(), {}, () =>
      apiError(400, "invalid_argument", "cannot keep", [{ field: "until", rule: "a time in the future, at most 2h0m0s from now" }]),
    );
    const user = userEvent.setup();
    renderApp("/my-services/jupyter-1", m.client);
    await user.click(await screen.findByRole("button", { name: "Keep it" }));
    const dialog = screen.getByRole("dialog", { name: "Keep My notebook until…" });
    await user.click(within(dialog).getByRole("button", { name: /^Keep until / }));
    const rule = await within(dialog).findByText("a time in the future, at most 2h0m0s from now");
    const input = within(dialog).getByLabelText("Keep until");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(input.getAttribute("aria-describedby")).toContain(rule.id);
  });

  it("lets the owner choose the idle time within the policy's maximum", async () => {
    const m = api(lifecycle({ notice: undefined }), {}, (b) =>
      b.suspendAfterIdleSeconds === DAY
        ? apiError(400, "invalid_argument", "invalid idle time", [{ field: "suspendAfterIdle", rule: "between 10m and 12h0m0s" }])
        : undefined,
    );
    const user = userEvent.setup();
    renderApp("/my-services/jupyter-1", m.client);
    const select = await screen.findByLabelText("Suspend after being idle for");
    await waitFor(() => expect(within(select).getAllByRole("option")[0]!.textContent).toBe("The policy’s time (8 h)"));
    expect(within(select).getAllByRole("option").map((o) => o.textContent)).toEqual([
      "The policy’s time (8 h)",
      "30 min",
      "1 h",
      "2 h",
      "4 h",
      "8 h",
      "12 h",
      "1 day",
    ]);
    await user.selectOptions(select, "1 day");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("between 10m and 12h0m0s")).toBeTruthy();
    expect(select.getAttribute("aria-invalid")).toBe("true");

    await user.selectOptions(select, "12 h");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Suspends after 12 h idle (your choice)")).toBeTruthy();
    expect(m.find("PUT", "/projects/user-alice/services/jupyter-1/lifecycle").at(-1)!.body).toEqual({ suspendAfterIdleSeconds: 12 * H });
  });

  it("offers no keep nor idle time where the policy allows none", async () => {
    const m = api(lifecycle({ maxKeepSeconds: 0, maxSuspendAfterIdleSeconds: 0 }));
    renderApp("/my-services/jupyter-1", m.client);
    await screen.findByText(/^My notebook will be suspended/);
    expect(screen.queryByRole("button", { name: "Keep it" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Keep until…" })).toBeNull();
    expect(screen.queryByLabelText("Suspend after being idle for")).toBeNull();
  });
});

describe("a notice's keep link", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("switches to the link's project and region, and keeps only on the user's click", async () => {
    const m = api(lifecycle({ maxKeepSeconds: 7 * DAY }), { "GET /config": twoRegionsConfig });
    const user = userEvent.setup();
    const { router } = renderApp("/my-services/jupyter-1?project=project-data-team&region=lyon&keep=1", m.client);
    const dialog = await screen.findByRole("dialog", { name: "Keep My notebook until…" });
    const reads = m.find("GET", "/projects/project-data-team/services/jupyter-1");
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => r.query.get("region") === "lyon")).toBe(true);
    expect(m.find("GET", "/projects/user-alice/services/jupyter-1")).toHaveLength(0);
    expect((screen.getByLabelText("Region") as HTMLSelectElement).value).toBe("lyon");
    expect((screen.getByLabelText("Project") as HTMLSelectElement).value).toBe("project-data-team");
    expect(router.state.location.search).toBe("?keep=1");
    // Opening the link changed nothing: the dialog asks.
    expect(m.find("PUT", "/projects/project-data-team/services/jupyter-1/lifecycle")).toHaveLength(0);
    // The default: 24 h, the policy allowing a week.
    expect(dateOf(within(dialog).getByLabelText("Keep until"))).toBeGreaterThan(Date.now() + DAY * 1000 - 2 * 60_000);

    await user.click(within(dialog).getByRole("button", { name: /^Keep until / }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(m.find("PUT", "/projects/project-data-team/services/jupyter-1/lifecycle")[0]!.query.get("region")).toBe("lyon");
    expect(router.state.location.search).toBe("");
  });

  it("survives the sign-in: the provider brings the user back to the whole link", async () => {
    const m = mockApi({
      "GET /config": { ...testConfig, auth: { mode: "oidc", loginUrl: "/auth/login", logoutUrl: "/auth/logout" } },
      "GET /me": apiError(401, "unauthenticated", "sign in"),
    });
    renderApp("/my-services/jupyter-1?project=project-data-team&region=lyon&keep=1", m.client);
    // The header's link and the page's.
    const links = await screen.findAllByRole("link", { name: "Sign in" });
    expect(links.map((l) => l.getAttribute("href"))).toEqual(
      links.map(() => `/auth/login?return_to=${encodeURIComponent("/my-services/jupyter-1?project=project-data-team&region=lyon&keep=1")}`),
    );
    expect(links).toHaveLength(2);
  });
});

describe("the lifecycle on the cards", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("shows the policy in a line, the notice, and keeps from the card", async () => {
    const m = api(lifecycle());
    const user = userEvent.setup();
    renderApp("/my-services", m.client);
    const card = await screen.findByRole("article", { name: "My notebook" });
    expect(within(card).getByText("Last used 3 hours ago · Suspends after 8 h idle · Deleted 7 days after suspension")).toBeTruthy();
    expect(within(card).getByText(/^My notebook will be suspended/)).toBeTruthy();
    await user.click(within(card).getByRole("button", { name: "Keep it" }));
    const dialog = screen.getByRole("dialog", { name: "Keep My notebook until…" });
    await user.click(within(dialog).getByRole("button", { name: /^Keep until / }));
    await waitFor(() => expect(within(card).queryByText(/^My notebook will be suspended/)).toBeNull());
    expect(within(card).getByText(/^Kept until .* · Last used 3 hours ago/)).toBeTruthy();
  });

  it("speaks French", async () => {
    localStorage.setItem("basalt.language", "fr");
    const m = api(lifecycle({ suspendedBy: "schedule", lastActive: undefined, notice: undefined }), {
      "GET /projects/:project/services": {
        services: [{ ...service(lifecycle({ suspendedBy: "schedule", notice: undefined })), suspended: true, status: "suspended" }],
        commands: [],
      },
    });
    renderApp("/my-services", m.client);
    const card = await screen.findByRole("article", { name: "My notebook" });
    expect(
      within(card).getByText(
        "Suspendu en dehors des heures de travail · Suspendu après 8 h d’inactivité · Supprimé 7 jours après sa suspension",
      ),
    ).toBeTruthy();
  });
});
