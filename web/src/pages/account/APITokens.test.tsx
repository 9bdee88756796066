// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run.
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { APIToken, NewAPIToken } from "../../api/types";
import { axeViolations } from "../../test/axe";
import { apiError, mockApi, reply, testConfig } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const VALUE = "basalt_pat_user-alice_Q3kG7tVt2mZpX8rL0aBc_k2Jd8sLq0WmZxC4vB7nR1tY6uI3oP9aS5dF2gH8jKlQ";

const nightly: APIToken = {
  id: "Q3kG7tVt2mZpX8rL0aBc",
  name: "nightly report",
  scopes: ["read"],
  created: "2030-01-01T08:00:00Z",
  expires: "2030-01-31T08:00:00Z",
};

let writeText: ReturnType<typeof vi.fn>;

beforeEach(() => {
  localStorage.clear();
  localStorage.setItem("basalt.language", "en");
});

/** Records what is copied: after userEvent.setup(), which puts a clipboard of its own. */
function clipboard() {
  writeText = vi.fn(() => Promise.resolve());
  Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
}

/** An instance that gives API tokens. */
const withTokens = { "GET /config": { ...testConfig, auth: { mode: "local", apiTokens: true } } };

/** The tokens' API, keeping what was made and revoked. */
function tokensApi(start: APIToken[] = []) {
  let tokens = [...start];
  return mockApi({
    ...withTokens,
    "GET /me/tokens": () => ({ tokens, scopes: ["read", "write", "admin"], maxDays: 30 }),
    "POST /me/tokens": ({ body }) => {
      const req = body as NewAPIToken;
      if (req.scopes.length === 0) {
        return apiError(400, "invalid_argument", "invalid API token", [{ field: "scopes", rule: "at least one of read, write, admin" }]);
      }
      const token = { id: nightly.id, name: req.name, scopes: req.scopes, created: "2030-01-01T08:00:00Z", expires: req.expires };
      tokens = [...tokens, token];
      return reply(201, { token, value: VALUE, curl: `curl -H "Authorization: Bearer $BASALT_TOKEN" 'http://localhost/api/v1/me'` });
    },
    "DELETE /me/tokens/:id": ({ params }) => {
      tokens = tokens.filter((t) => t.id !== params.id);
      return reply(204, "");
    },
  });
}

async function tokensSection() {
  const heading = await screen.findByRole("heading", { name: "API tokens" }, { timeout: 5000 });
  return heading.closest("section") as HTMLElement;
}

describe("the API tokens of the account page", () => {
  it("makes a token, shows its value once with how to use it, lists it without the value, and revokes it", async () => {
    const m = tokensApi();
    const user = userEvent.setup();
    clipboard();
    renderApp("/account?tab=tokens", m.client);
    const section = await tokensSection();
    const s = within(section);
    expect(await s.findByText("You have no API token.")).toBeTruthy();
    expect(await axeViolations(section)).toEqual([]);

    await user.type(s.getByLabelText("Name"), "nightly report");
    await user.click(s.getByRole("checkbox", { name: /Write/ }));
    await user.selectOptions(s.getByLabelText("Lasts"), "7");
    await user.click(s.getByRole("button", { name: "Make the token" }));

    await waitFor(() => expect(m.find("POST", "/me/tokens")).toHaveLength(1));
    const sent = m.find("POST", "/me/tokens")[0]!.body as NewAPIToken;
    expect(sent.name).toBe("nightly report");
    expect(sent.scopes).toEqual(["read", "write"]);
    const days = (new Date(sent.expires).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);

    const made = within(await s.findByRole("status", { name: "Your token nightly report" }));
    expect((made.getByLabelText("The token") as HTMLInputElement).value).toBe(VALUE);
    const example = section.querySelector("pre")!.textContent!;
    expect(example).toContain(`"Authorization: Bearer $BASALT_TOKEN"`);
    expect(example).not.toContain(VALUE);
    await user.click(made.getByRole("button", { name: "Copy the token" }));
    expect(writeText).toHaveBeenLastCalledWith(VALUE);
    expect(await axeViolations(section)).toEqual([]);

    await user.click(made.getByRole("button", { name: "I have copied it" }));
    expect(s.queryByRole("status", { name: "Your token nightly report" })).toBeNull();
    expect(section.innerHTML).not.toContain(VALUE);
    const row = (await s.findByRole("cell", { name: "nightly report" })).closest("tr") as HTMLElement;
    expect(within(row).getByText("Read")).toBeTruthy();
    expect(within(row).getByText("Write")).toBeTruthy();

    await user.click(within(row).getByRole("button", { name: "Revoke nightly report" }));
    await waitFor(() => expect(m.find("DELETE", `/me/tokens/${nightly.id}`)).toHaveLength(1));
    expect(await s.findByText("You have no API token.")).toBeTruthy();
  });

  it("shows the server's rule at the scopes, and offers no lifetime beyond the instance's", async () => {
    const m = tokensApi([nightly]);
    const user = userEvent.setup();
    renderApp("/account?tab=tokens", m.client);
    const s = within(await tokensSection());
    await s.findByRole("cell", { name: "nightly report" });
    const lifetimes = within(s.getByLabelText("Lasts")).getAllByRole("option").map((o) => o.textContent);
    expect(lifetimes).toEqual(["1 day", "7 days", "30 days"]);

    await user.type(s.getByLabelText("Name"), "nothing");
    await user.click(s.getByRole("checkbox", { name: /Read/ }));
    await user.click(s.getByRole("button", { name: "Make the token" }));
    expect(await s.findByText("at least one of read, write, admin")).toBeTruthy();
    expect(s.getByRole("group", { name: "Scopes" }).getAttribute("aria-describedby")).toBe("account-token-scopes-errors");
  });

  it("is no tab where the instance gives no tokens", async () => {
    renderApp("/account?tab=tokens", mockApi({}).client);
    const tablist = await screen.findByRole("tablist", { name: "Account sections" }, { timeout: 5000 });
    expect(within(tablist).queryByRole("tab", { name: "API tokens" })).toBeNull();
    expect(within(tablist).getByRole("tab", { selected: true }).textContent).toBe("Profile");
  });

  it("says so when the server gives no tokens after all, in French too", async () => {
    localStorage.setItem("basalt.language", "fr");
    const m = mockApi({ ...withTokens, "GET /me/tokens": apiError(501, "unimplemented", "API tokens are off") });
    renderApp("/account?tab=tokens", m.client);
    const heading = await screen.findByRole("heading", { name: "Jetons d’API" }, { timeout: 5000 });
    expect(await within(heading.closest("section")!).findByText("Cette instance ne délivre pas de jetons d’API.")).toBeTruthy();
  });
});
