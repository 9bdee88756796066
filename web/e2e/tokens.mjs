// The account's API tokens end to end (issue 22, item 7): made in the portal, used by curl
// exactly as the page shows (the token read from $BASALT_TOKEN), revoked, then refused.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** What the page's example prints when run by sh with the token in BASALT_TOKEN (its first line reads it from stdin). */
async function runExample(example, token) {
  const script = example.split("\n").slice(1).join("\n"); // the curl line; BASALT_TOKEN is set here
  const { stdout } = await run("sh", ["-c", script], { env: { ...process.env, BASALT_TOKEN: token }, timeout: 20_000 });
  return stdout;
}

export async function tokenSteps({ step, page, shot }) {
  await step("account: an API token made, used with curl as shown, revoked, then refused", async () => {
    await page.goto("/account?tab=tokens");
    const section = page.getByRole("main").locator("section", { has: page.getByRole("heading", { name: "API tokens" }) });
    // A name of this run's: the personal namespace, and the tokens kept there, outlive a local run.
    const name = `e2e script ${Date.now().toString(36)}`;
    await section.getByLabel("Name").fill(name);
    await section.getByRole("checkbox", { name: /Write/ }).check();
    await section.getByRole("button", { name: "Make the token" }).click();
    const value = await section.getByLabel("The token", { exact: true }).inputValue();
    assert.match(value, /^basalt_pat_user-e2e_[A-Za-z0-9]{20}_[A-Za-z0-9]{43}$/);
    const example = await section.locator("pre").innerText();
    assert.ok(example.includes('"Authorization: Bearer $BASALT_TOKEN"') && !example.includes(value), "the example reads the token from the environment");
    await shot("11c-account-token-made");

    const me = JSON.parse(await runExample(example, value));
    assert.equal(me.username, "e2e", "the token acts as its maker");

    await section.getByRole("button", { name: "I have copied it" }).click();
    assert.equal(await section.getByLabel("The token", { exact: true }).count(), 0, "the value is shown once");
    await section.getByRole("button", { name: `Revoke ${name}` }).click();
    await section.getByRole("button", { name: `Revoke ${name}` }).waitFor({ state: "detached" });
    const refused = JSON.parse(await runExample(example, value));
    assert.equal(refused.error?.code, "unauthenticated", "a revoked token is refused");
  });
}
