import type { MessageKey } from "../../i18n";

// The server's rules (sdk.Username, sdk.CheckQuota), checked here first so that a mistake is
// named before anything is sent; the server checks them again.
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
const QUOTA_KEY = /^[a-z0-9]([a-z0-9./-]{0,251}[a-z0-9])?$/;
const QUANTITY = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[numkMGTPE]|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/** What is wrong with a field: which one, and the rule it breaks. */
export interface FieldProblem {
  field: string;
  rule: MessageKey;
}

export function usernameProblem(name: string): FieldProblem | null {
  return USERNAME.test(name.trim()) ? null : { field: "username", rule: "projects.rule.username" };
}

/** The first problem of a quota's rows, in their order; an empty value gives a key back. */
export function quotaProblem(rows: { key: string; value: string }[]): FieldProblem | null {
  for (const { key, value } of rows) {
    if (!QUOTA_KEY.test(key.trim())) return { field: key.trim() || "resource", rule: "projects.rule.resource" };
    if (value.trim() !== "" && !QUANTITY.test(value.trim())) return { field: key.trim(), rule: "projects.rule.quantity" };
  }
  return null;
}
