import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SecretsCredentials, StorageCredentials } from "../../api/types";
import { apiError, mockApi } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const storage: StorageCredentials = {
  accessKeyId: "ASIAEXAMPLE",
  secretAccessKey: "s3cr3t-access-key",
  sessionToken: "session-token-value",
  expiration: new Date(Date.now() + 90 * 60_000).toISOString(),
  endpoint: "https://minio.example.org",
  region: "us-east-1",
  pathStyle: true,
  defaultBucket: "user-alice",
  defaultPrefix: "",
  snippets: [
    { id: "aws-cli", label: "AWS CLI", language: "shell", code: "export AWS_ACCESS_KEY_ID=ASIAEXAMPLE" },
    { id: "python-boto3", label: "Python (boto3)", language: "python", code: "import boto3\ns3 = boto3.client('s3')" },
  ],
};

const vault: SecretsCredentials = {
  token: "hvs.vault-token",
  expiration: new Date(Date.now() + 30_000).toISOString(),
  address: "https://vault.example.org",
  home: "onyxia-kv/user-alice",
  snippets: [{ id: "vault-cli", label: "vault CLI", language: "shell", code: "export VAULT_TOKEN=hvs.vault-token" }],
};

describe("account credentials", () => {
  const writeText = vi.fn(() => Promise.resolve());
  beforeEach(() => {
    localStorage.setItem("basalt.language", "en");
    writeText.mockClear();
  });
  afterEach(() => vi.useRealTimers());

  it("shows storage keys masked until revealed, copies them, and shows snippets in tabs", async () => {
    const m = mockApi({
      "GET /projects/:project/credentials/storage": storage,
      "GET /projects/:project/credentials/secrets": vault,
    });
    const user = userEvent.setup();
    // After userEvent.setup(), which installs a clipboard of its own.
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    renderApp("/account?tab=storage", m.client);
    const section = (await screen.findByRole("heading", { name: "Storage credentials" })).closest("section")!;
    const s = within(section);
    expect((await s.findByLabelText("Access key ID")).textContent).toBe("ASIAEXAMPLE");
    const secret = s.getByLabelText("Secret access key");
    expect(secret.textContent).not.toContain("s3cr3t");
    await user.click(s.getByRole("button", { name: "Show Secret access key" }));
    expect(secret.textContent).toBe("s3cr3t-access-key");
    await user.click(s.getByRole("button", { name: "Copy Session token" }));
    expect(writeText).toHaveBeenCalledWith("session-token-value");
    expect(s.getByText(/^Expires in 1:(29|30):\d\d$/)).toBeTruthy();
    expect(s.getByLabelText("Your folder").textContent).toBe("user-alice/");

    const tabs = s.getByRole("tablist", { name: "Ready-to-paste snippets" });
    expect(s.getByRole("tabpanel").textContent).toContain("export AWS_ACCESS_KEY_ID=ASIAEXAMPLE");
    await user.click(within(tabs).getByRole("tab", { name: "Python (boto3)" }));
    expect(s.getByRole("tabpanel").textContent).toContain("boto3.client('s3')");
    await user.click(s.getByRole("button", { name: "Copy the snippet" }));
    expect(writeText).toHaveBeenLastCalledWith("import boto3\ns3 = boto3.client('s3')");
    // The project's credentials, not someone else's.
    expect(m.find("GET", "/projects/user-alice/credentials/storage")).toHaveLength(1);
  });

  it("counts the Vault token down to its expiry, then offers to renew it", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const m = mockApi({
      "GET /projects/:project/credentials/storage": apiError(501, "unimplemented", "the region has no storage plugin"),
      "GET /projects/:project/credentials/secrets": vault,
    });
    renderApp("/account?tab=vault", m.client);
    const section = (await screen.findByRole("heading", { name: "Vault token" })).closest("section")!;
    const s = within(section);
    expect((await s.findByRole("timer")).textContent).toMatch(/^Expires in 0:[23]\d/);
    act(() => vi.advanceTimersByTime(31_000));
    await waitFor(() => expect(s.getByRole("timer").textContent).toContain("Expired: renew them to go on."));
    await userEvent.setup({ advanceTimers: vi.advanceTimersByTime }).click(s.getByRole("button", { name: "Renew" }));
    await waitFor(() => expect(m.find("GET", "/projects/user-alice/credentials/secrets")).toHaveLength(2));
    expect(s.getByLabelText("Your secrets’ path").textContent).toBe("onyxia-kv/user-alice");
  });

  it("keeps the interface preferences in this browser", async () => {
    const m = mockApi({
      "GET /projects/:project/credentials/storage": storage,
      "GET /projects/:project/credentials/secrets": vault,
    });
    const user = userEvent.setup();
    renderApp("/account?tab=preferences", m.client);
    await screen.findByRole("heading", { name: "Interface preferences" });
    await user.selectOptions(screen.getAllByRole("combobox", { name: "Colour scheme" }).at(-1)!, "dark");
    expect(localStorage.getItem("basalt.theme")).toBe("dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
    await user.click(screen.getByRole("checkbox", { name: /Show the command panel/ }));
    expect(screen.queryByRole("region", { name: /command/i })).toBeNull();
    await user.selectOptions(screen.getAllByRole("combobox", { name: "Language" }).at(-1)!, "fr");
    expect(localStorage.getItem("basalt.language")).toBe("fr");
    expect(await screen.findByRole("heading", { name: "Préférences d’affichage" })).toBeTruthy();
  });
});
