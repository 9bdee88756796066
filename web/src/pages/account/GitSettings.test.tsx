import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { UserSettings } from "../../api/types";
import { apiError, mockApi, type MockRequest } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const stored: UserSettings = {
  gitName: "Alice Martin",
  gitEmail: "alice@example.org",
  gitToken: "glpat-secret-token",
  gitProject: "https://git.example.org/alice/thesis.git",
  gitCredentialsCacheTTL: 3600,
  profile: { team: "stats" },
};

const noCredentials = {
  "GET /projects/:project/credentials/storage": apiError(501, "unimplemented", "no storage"),
  "GET /projects/:project/credentials/secrets": apiError(501, "unimplemented", "no secrets store"),
};

async function gitSection() {
  const heading = await screen.findByRole("heading", { name: "Git identity" });
  const s = within(heading.closest("section")!);
  await s.findByLabelText("Name for commits");
  return s;
}

/** The text an input's aria-describedby points to: its hint and its errors. */
function describedBy(el: HTMLElement): string {
  const ids = el.getAttribute("aria-describedby")?.split(" ") ?? [];
  return ids.map((id) => document.getElementById(id)?.textContent ?? "").join(" | ");
}

beforeEach(() => localStorage.setItem("basalt.language", "en"));

describe("the git identity form", () => {
  it("shows the saved settings, the token masked until revealed, and saves the whole object", async () => {
    let saved: MockRequest | undefined;
    const m = mockApi({
      ...noCredentials,
      "GET /me/settings": stored,
      "PUT /me/settings": (req) => {
        saved = req;
        return req.body;
      },
    });
    const user = userEvent.setup();
    renderApp("/account?tab=git", m.client);
    const s = await gitSection();
    expect(s.getByText(/receives these as its git identity/)).toBeTruthy();
    expect((s.getByLabelText("Email for commits") as HTMLInputElement).value).toBe("alice@example.org");
    const token = s.getByLabelText("Personal access token") as HTMLInputElement;
    expect(token.type).toBe("password");
    await user.click(s.getByRole("button", { name: "Show Personal access token" }));
    expect(token.type).toBe("text");
    expect(token.value).toBe("glpat-secret-token");

    await user.clear(s.getByLabelText("Name for commits"));
    await user.type(s.getByLabelText("Name for commits"), "A. Martin");
    await user.clear(s.getByLabelText("Credentials cache (seconds)"));
    await user.type(s.getByLabelText("Credentials cache (seconds)"), "900");
    await user.click(s.getByRole("button", { name: "Save" }));
    expect((await s.findByRole("status")).textContent).toBe("Saved");
    // The whole object, the profile the form does not edit kept as it was.
    expect(saved?.body).toEqual({ ...stored, gitName: "A. Martin", gitCredentialsCacheTTL: 900 });
  });

  it("starts empty before the first save and shows the server's rules at their fields", async () => {
    const m = mockApi({
      ...noCredentials,
      "GET /me/settings": { gitName: "", gitEmail: "", gitToken: "", gitProject: "", gitCredentialsCacheTTL: 0, profile: {} },
      "PUT /me/settings": apiError(400, "invalid_argument", "invalid settings", [
        { field: "gitEmail", rule: "must be an e-mail address" },
        { field: "gitCredentialsCacheTTL", rule: "must not be negative" },
      ]),
    });
    const user = userEvent.setup();
    renderApp("/account?tab=git", m.client);
    const s = await gitSection();
    expect((s.getByLabelText("Credentials cache (seconds)") as HTMLInputElement).value).toBe("");
    await user.type(s.getByLabelText("Email for commits"), "not-an-address");
    await user.type(s.getByLabelText("Credentials cache (seconds)"), "-5");
    await user.click(s.getByRole("button", { name: "Save" }));

    const email = s.getByLabelText("Email for commits");
    expect(await s.findByText("must be an e-mail address")).toBeTruthy();
    expect(email.getAttribute("aria-invalid")).toBe("true");
    expect(describedBy(email)).toContain("must be an e-mail address");
    const ttl = s.getByLabelText("Credentials cache (seconds)");
    expect(ttl.getAttribute("aria-invalid")).toBe("true");
    expect(describedBy(ttl)).toContain("must not be negative");
    expect(describedBy(ttl)).not.toContain("e-mail");
    expect(s.getByLabelText("Name for commits").getAttribute("aria-invalid")).toBeNull();
    expect(s.queryByRole("status")).toBeNull();
    expect(m.find("PUT", "/me/settings")[0]!.body).toMatchObject({ gitEmail: "not-an-address", gitCredentialsCacheTTL: -5 });
  });
});
