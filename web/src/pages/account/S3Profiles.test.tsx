import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { S3ProfileView as S3Profile } from "../../api/types";
import { apiError, mockApi, reply } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const noCredentials = {
  "GET /me/settings": { gitName: "", gitEmail: "", gitToken: "", gitProject: "", gitCredentialsCacheTTL: 0, profile: {} },
  "GET /projects/:project/credentials/storage": apiError(501, "unimplemented", "no storage"),
  "GET /projects/:project/credentials/secrets": apiError(501, "unimplemented", "no secrets store"),
};

const work: S3Profile = {
  name: "work",
  url: "https://s3.work.example",
  region: "eu-west-3",
  pathStyleAccess: true,
  accessKeyId: "AKIAWORK",
  hasSessionToken: false,
  defaultForServices: true,
};

async function profilesSection() {
  const heading = await screen.findByRole("heading", { name: "Your S3 profiles" }, { timeout: 5000 });
  return within(heading.closest("section")!);
}

beforeEach(() => localStorage.setItem("basalt.language", "en"));

describe("the S3 profiles of the account page", () => {
  it("lists profiles with the secret key masked, and reveals it from the server on demand", async () => {
    const m = mockApi({
      ...noCredentials,
      "GET /me/s3-profiles": { profiles: [work] },
      "GET /me/s3-profiles/:name/credentials": ({ params }) => ({
        accessKeyId: "AKIAWORK",
        secretAccessKey: `secret-of-${params.name}`,
        endpoint: "https://s3.work.example",
        region: "eu-west-3",
        pathStyle: true,
        defaultBucket: "",
        defaultPrefix: "",
        snippets: [{ id: "aws-cli", label: "AWS CLI", language: "shell", code: "export AWS_SECRET_ACCESS_KEY='secret-of-work'\naws s3 ls\n" }],
      }),
    });
    const user = userEvent.setup();
    renderApp("/account?tab=storage", m.client);
    const s = await profilesSection();
    const card = within(await s.findByRole("article", { name: "work" }));
    expect(card.getByText("Default for my services")).toBeTruthy();
    expect(card.getByLabelText("Endpoint").textContent).toBe("https://s3.work.example");
    expect(card.getByLabelText("Secret access key").textContent).toBe("•".repeat(16));
    expect(m.find("GET", "/me/s3-profiles/work/credentials")).toHaveLength(0);

    await user.click(card.getByRole("button", { name: "Show Secret access key" }));
    await waitFor(() => expect(card.getByLabelText("Secret access key").textContent).toBe("secret-of-work"));
    expect(m.find("GET", "/me/s3-profiles/work/credentials")).toHaveLength(1);
    expect(card.getByText(/aws s3 ls/)).toBeTruthy();
  });

  it("creates a profile and shows the server's rules at their fields", async () => {
    let profiles: S3Profile[] = [];
    const posted: unknown[] = [];
    const m = mockApi({
      ...noCredentials,
      "GET /me/s3-profiles": () => ({ profiles }),
      "POST /me/s3-profiles": ({ body }) => {
        posted.push(body);
        const b = body as S3Profile & { secretAccessKey: string };
        if (!b.url.startsWith("http")) {
          return apiError(400, "invalid_argument", "invalid S3 profile", [
            { field: "url", rule: "must be an http:// or https:// URL with a host" },
            { field: "name", rule: "must be unique: another profile is named work" },
          ]);
        }
        const { secretAccessKey: _, sessionToken: __, ...view } = b as S3Profile & { secretAccessKey: string; sessionToken?: string };
        profiles = [{ ...view, hasSessionToken: false }];
        return reply(201, profiles[0]);
      },
    });
    const user = userEvent.setup();
    renderApp("/account?tab=storage", m.client);
    const s = await profilesSection();
    expect(await s.findByText("You have no S3 profile of your own.")).toBeTruthy();
    await user.click(s.getByRole("button", { name: "Add an S3 profile" }));
    const form = within(s.getByRole("form", { name: "Add an S3 profile" }));
    await user.type(form.getByLabelText("Profile name"), "other");
    await user.type(form.getByLabelText("Endpoint"), "s3.other.example");
    await user.type(form.getByLabelText("Access key ID"), "AKIAOTHER");
    const secret = form.getByLabelText("Secret access key") as HTMLInputElement;
    await user.type(secret, "other-secret");
    expect(secret.type).toBe("password");
    await user.click(form.getByRole("button", { name: "Show Secret access key" }));
    expect(secret.type).toBe("text");
    await user.click(form.getByRole("button", { name: "Save the profile" }));

    const url = form.getByLabelText("Endpoint");
    await waitFor(() => expect(url.getAttribute("aria-invalid")).toBe("true"));
    expect(document.getElementById(url.getAttribute("aria-describedby")!.split(" ").pop()!)!.textContent).toContain("http:// or https://");
    expect(form.getByLabelText("Profile name").getAttribute("aria-invalid")).toBe("true");
    expect(form.getByLabelText("Access key ID").getAttribute("aria-invalid")).toBeNull();

    await user.clear(url);
    await user.type(url, "https://s3.other.example");
    await user.click(form.getByRole("button", { name: "Save the profile" }));
    expect(await s.findByRole("article", { name: "other" })).toBeTruthy();
    expect(posted[1]).toEqual({
      name: "other",
      url: "https://s3.other.example",
      region: "",
      pathStyleAccess: false,
      accessKeyId: "AKIAOTHER",
      secretAccessKey: "other-secret",
      sessionToken: "",
      defaultForServices: false,
    });
  });

  it("edits a profile without sending its secrets back, and deletes it", async () => {
    let profiles: S3Profile[] = [{ ...work, hasSessionToken: true }];
    const put: unknown[] = [];
    const m = mockApi({
      ...noCredentials,
      "GET /me/s3-profiles": () => ({ profiles }),
      "PUT /me/s3-profiles/:name": ({ body }) => {
        put.push(body);
        profiles = [{ ...profiles[0]!, region: (body as S3Profile).region }];
        return profiles[0];
      },
      "DELETE /me/s3-profiles/:name": () => {
        profiles = [];
        return reply(204, null);
      },
    });
    const user = userEvent.setup();
    renderApp("/account?tab=storage", m.client);
    const s = await profilesSection();
    await user.click(await s.findByRole("button", { name: "Edit work" }));
    const form = within(s.getByRole("form", { name: "Edit work" }));
    expect((form.getByLabelText("Secret access key") as HTMLInputElement).value).toBe("");
    await user.clear(form.getByLabelText("Region"));
    await user.type(form.getByLabelText("Region"), "us-west-2");
    await user.click(form.getByRole("button", { name: "Save the profile" }));
    await waitFor(() => expect(put).toHaveLength(1));
    // Empty secret key and no session token: the server keeps both.
    expect(put[0]).toMatchObject({ name: "work", region: "us-west-2", secretAccessKey: "", defaultForServices: true });
    expect(put[0]).not.toHaveProperty("sessionToken");

    await user.click(await s.findByRole("button", { name: "Delete work" }));
    expect(await s.findByText("You have no S3 profile of your own.")).toBeTruthy();
    expect(m.find("DELETE", "/me/s3-profiles/work")).toHaveLength(1);
  });

  it("says so when the region keeps no secrets", async () => {
    const m = mockApi({ ...noCredentials, "GET /me/s3-profiles": apiError(501, "unimplemented", "no secrets store") });
    renderApp("/account?tab=storage", m.client);
    const s = await profilesSection();
    expect(await s.findByText("This region keeps no secrets, so it cannot keep S3 profiles of yours.")).toBeTruthy();
    expect(s.queryByRole("button", { name: "Add an S3 profile" })).toBeNull();
  });
});
