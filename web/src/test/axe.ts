import axe from "axe-core";

/**
 * The WCAG 2.1 A and AA violations under node, one line each. Needs a jsdom test file
 * (axe-core does not run on happy-dom); colour contrast needs a real layout and is checked in
 * Chromium by the end-to-end suite.
 */
export async function axeViolations(node: Element): Promise<string[]> {
  const r = await axe.run(node, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    rules: { "color-contrast": { enabled: false } },
  });
  return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
