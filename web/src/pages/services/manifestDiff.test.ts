import { describe, expect, it } from "vitest";
import { parseUnifiedDiff } from "./manifestDiff";

// As the server writes it (go-udiff): headers, then hunks; a count of 1 is left out.
const diff = `--- running
+++ changed
@@ -3,5 +3,5 @@
 kind: Deployment
 spec:
-  replicas: 1
+  replicas: 2
+  paused: false
 ---
----
@@ -40 +41 @@
-        - name: GIT_USER_NAME
+        - name: GIT_AUTHOR
`;

describe("the manifests' unified diff", () => {
  it("gives each line its kind and its numbers before and after", () => {
    const d = parseUnifiedDiff(diff);
    expect(d.added).toBe(3);
    expect(d.removed).toBe(3);
    expect(d.lines.map((l) => l.kind)).toEqual([
      "file",
      "file",
      "hunk",
      "context",
      "context",
      "removed",
      "added",
      "added",
      "context",
      "removed",
      "hunk",
      "removed",
      "added",
    ]);
    expect(d.lines[5]).toEqual({ kind: "removed", text: "  replicas: 1", before: 5 });
    expect(d.lines[7]).toEqual({ kind: "added", text: "  paused: false", after: 6 });
    expect(d.lines[8]).toEqual({ kind: "context", text: "---", before: 6, after: 7 });
    // A manifest's own document separator, removed: not a file header.
    expect(d.lines[9]).toEqual({ kind: "removed", text: "---", before: 7 });
    expect(d.lines[11]).toEqual({ kind: "removed", text: "        - name: GIT_USER_NAME", before: 40 });
    expect(d.lines[12]).toEqual({ kind: "added", text: "        - name: GIT_AUTHOR", after: 41 });
  });

  it("reads an empty difference as no line", () => {
    expect(parseUnifiedDiff("")).toEqual({ lines: [], added: 0, removed: 0 });
  });
});
