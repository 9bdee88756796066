// A unified diff of rendered manifests (as the server writes it) read line by line, each line
// with its kind and its numbers in the manifests before and after, for a readable view.

export type DiffLineKind = "file" | "hunk" | "added" | "removed" | "context";

export interface DiffLine {
  kind: DiffLineKind;
  /** The line without its +, - or space prefix (file and hunk headers as they are). */
  text: string;
  /** Its number in the manifests before the change (removed and context lines). */
  before?: number;
  /** Its number after the change (added and context lines). */
  after?: number;
}

export interface ParsedDiff {
  lines: DiffLine[];
  added: number;
  removed: number;
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

export function parseUnifiedDiff(text: string): ParsedDiff {
  const out: ParsedDiff = { lines: [], added: 0, removed: 0 };
  let before = 0;
  let after = 0;
  // What the current hunk's header says is left of it on each side: a manifest's own "---"
  // line must not be taken for a file header.
  let leftBefore = 0;
  let leftAfter = 0;
  const rows = text.split("\n");
  if (rows.at(-1) === "") rows.pop();
  for (const row of rows) {
    const inHunk = leftBefore > 0 || leftAfter > 0;
    // A content line always starts with its prefix: "@@" there is always a hunk's header.
    const hunk = HUNK.exec(row);
    if (hunk) {
      before = Number(hunk[1]);
      leftBefore = Number(hunk[2] ?? 1);
      after = Number(hunk[3]);
      leftAfter = Number(hunk[4] ?? 1);
      out.lines.push({ kind: "hunk", text: row });
    } else if (!inHunk || row.startsWith("\\")) {
      // The headers naming both sides, and "\ No newline at end of file".
      out.lines.push({ kind: "file", text: row });
    } else if (row.startsWith("+")) {
      out.lines.push({ kind: "added", text: row.slice(1), after: after++ });
      out.added++;
      leftAfter--;
    } else if (row.startsWith("-")) {
      out.lines.push({ kind: "removed", text: row.slice(1), before: before++ });
      out.removed++;
      leftBefore--;
    } else {
      out.lines.push({ kind: "context", text: row.slice(1), before: before++, after: after++ });
      leftBefore--;
      leftAfter--;
    }
  }
  return out;
}
