// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run.
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ClusterAccess } from "../../api/types";
import { axeViolations } from "../../test/axe";
import { apiError, mockApi } from "../../test/mockApi";
import { renderApp } from "../../test/render";

const kubeconfig = "apiVersion: v1\nkind: Config\ncurrent-context: basalt-lab-user-alice\n";

const access: ClusterAccess = {
  project: "user-alice",
  namespace: "user-alice",
  server: "https://kube.example.org:6443",
  credential: "serviceAccount",
  user: "system:serviceaccount:user-alice:basalt-user-alice",
  expires: "2030-01-02T03:04:05Z",
  filename: "kubeconfig-lab-user-alice.yaml",
  kubeconfig,
  commands: [
    "kubectl --kubeconfig kubeconfig-lab-user-alice.yaml get pods",
    "kubectl --kubeconfig kubeconfig-lab-user-alice.yaml port-forward service/SERVICE 8888:80",
  ],
};

/** The files the page offered to save, with their content. */
function watchDownloads() {
  const saved: { name: string; blob: Blob }[] = [];
  const blobs = new Map<string, Blob>();
  URL.createObjectURL = vi.fn((blob: Blob) => {
    const url = `blob:test/${blobs.size}`;
    blobs.set(url, blob);
    return url;
  });
  URL.revokeObjectURL = vi.fn();
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
    saved.push({ name: this.download, blob: blobs.get(this.href)! });
  });
  return saved;
}

async function kubernetesSection() {
  const heading = await screen.findByRole("heading", { name: /Kubernetes access|Accès Kubernetes/ });
  return within(heading.closest("section")!);
}

describe("the Kubernetes access", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));
  afterEach(() => vi.restoreAllMocks());

  it("downloads a kubeconfig of the current project only when asked, and says how to use it", async () => {
    const saved = watchDownloads();
    const m = mockApi({ "GET /projects/:project/kubeconfig": access });
    const user = userEvent.setup();
    renderApp("/account?tab=kubernetes", m.client);
    const s = await kubernetesSection();
    expect(m.find("GET", "/projects/user-alice/kubeconfig")).toHaveLength(0); // each one is a new token
    expect(await axeViolations(document.querySelector("main") ?? document.body)).toEqual([]);

    await user.click(s.getByRole("button", { name: "Download the kubeconfig" }));
    expect(await s.findByText("Saved as kubeconfig-lab-user-alice.yaml.")).toBeTruthy();
    const asked = m.find("GET", "/projects/user-alice/kubeconfig");
    expect(asked).toHaveLength(1);
    expect(asked[0]!.query.get("format")).toBe("json");
    expect(saved.map((f) => f.name)).toEqual(["kubeconfig-lab-user-alice.yaml"]);
    expect(await saved[0]!.blob.text()).toBe(kubeconfig);
    expect(s.getByText("system:serviceaccount:user-alice:basalt-user-alice")).toBeTruthy();
    expect(s.getByText(/stops working at once if you are removed/)).toBeTruthy();
    expect(s.getByLabelText("kubectl commands").textContent).toBe(access.commands.join("\n"));
    expect(s.getByRole("button", { name: "Download a new kubeconfig" })).toBeTruthy();
    expect(await axeViolations(document.querySelector("main") ?? document.body)).toEqual([]);

    // The command panel has the kubectl commands too.
    const panel = screen.getByRole("region", { name: "Commands" });
    await user.click(within(panel).getByRole("button", { name: /Commands/ }));
    expect(within(panel).getByText("Download a kubeconfig of project user-alice")).toBeTruthy();
    expect(within(panel).getByRole("list").textContent).toContain(access.commands[0]);
  });

  it("says when the region gives none", async () => {
    watchDownloads();
    const m = mockApi({ "GET /projects/:project/kubeconfig": apiError(501, "unimplemented", "this region gives no kubeconfig") });
    const user = userEvent.setup();
    renderApp("/account?tab=kubernetes", m.client);
    const s = await kubernetesSection();
    await user.click(s.getByRole("button", { name: "Download the kubeconfig" }));
    expect(await s.findByText(/This region gives no kubeconfig/)).toBeTruthy();
    expect(s.queryByRole("button", { name: /Download/ })).toBeNull();
  });

  it("speaks French", async () => {
    localStorage.setItem("basalt.language", "fr");
    const saved = watchDownloads();
    const m = mockApi({ "GET /projects/:project/kubeconfig": { ...access, credential: "idToken", user: "oidc:alice" } });
    const user = userEvent.setup();
    renderApp("/account?tab=kubernetes", m.client);
    const s = await kubernetesSection();
    await user.click(s.getByRole("button", { name: "Télécharger le kubeconfig" }));
    expect(await s.findByText("Enregistré sous kubeconfig-lab-user-alice.yaml.")).toBeTruthy();
    expect(s.getByText(/votre propre jeton de connexion/)).toBeTruthy();
    expect(saved).toHaveLength(1);
  });
});
