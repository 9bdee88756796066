import type { FormField } from "../../api/types";
import { isOne, useI18n, type MessageKey } from "../../i18n";
import { mergeErrors } from "./formChecks";
import { unplacedErrors, type FieldErrors } from "./formModel";
import type { Values } from "./paths";
import styles from "./Launcher.module.css";

const NONE: FieldErrors = new Map();
const count = (errors: FieldErrors) => [...errors.values()].reduce((a, r) => a + r.length, 0);

function checkedLine(sending: "launch" | "change", one: boolean): MessageKey {
  if (sending === "change") return one ? "change.check.one" : "change.check.other";
  return one ? "launcher.check.one" : "launcher.check.other";
}

/**
 * Above a form with errors: how many values the server refused (errors) and the form's own
 * checks find wrong (checked) before it launches or, for a running service's form
 * (sending="change"), before it reviews the changes; and those no visible field shows (the
 * others are marked at their fields).
 */
export function FormErrorSummary({
  errors: refused,
  checked = NONE,
  root,
  values,
  sending = "launch",
}: {
  errors: FieldErrors;
  checked?: FieldErrors;
  root?: FormField;
  values: Values;
  sending?: "launch" | "change";
}) {
  const { t, language } = useI18n();
  if (checked.size === 0 && refused.size === 0) return null;
  const orphans = unplacedErrors(mergeErrors(checked, refused), root, values);
  const nRefused = count(refused);
  const nChecked = count(checked);
  return (
    // The server's refusal is news; the form's own checks are already at the fields as typed.
    <div role={refused.size > 0 ? "alert" : "status"} className={styles.box} style={{ borderColor: "var(--danger)", marginBottom: "1rem" }}>
      {nRefused > 0 ? <strong className={styles.summaryLine}>{t(isOne(language, nRefused) ? "launcher.invalid.one" : "launcher.invalid.other", { n: nRefused })}</strong> : null}
      {nChecked > 0 ? <strong className={styles.summaryLine}>{t(checkedLine(sending, isOne(language, nChecked)), { n: nChecked })}</strong> : null}
      {orphans.length > 0 ? (
        <ul style={{ margin: "0.4rem 0 0" }}>
          {orphans.map(([k, rules]) => (
            <li key={k}>
              <code>{k}</code>: {rules.join("; ")}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
