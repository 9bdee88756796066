import type { FormField } from "../../api/types";
import { isOne, useI18n } from "../../i18n";
import { unplacedErrors, type FieldErrors } from "./formModel";
import type { Values } from "./paths";
import styles from "./Launcher.module.css";

/**
 * Above a form the server refused: how many values it refused, and those no visible field
 * shows (the others are marked at their fields).
 */
export function FormErrorSummary({ errors, root, values }: { errors: FieldErrors; root?: FormField; values: Values }) {
  const { t, language } = useI18n();
  if (errors.size === 0) return null;
  const orphans = unplacedErrors(errors, root, values);
  const count = [...errors.values()].reduce((a, r) => a + r.length, 0);
  return (
    <div role="alert" className={styles.box} style={{ borderColor: "var(--danger)", marginBottom: "1rem" }}>
      <strong>{t(isOne(language, count) ? "launcher.invalid.one" : "launcher.invalid.other", { n: count })}</strong>
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
