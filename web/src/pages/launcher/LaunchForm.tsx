import { useMemo } from "react";
import type { FormField } from "../../api/types";
import { Tabs } from "../../components/Tabs";
import { useT } from "../../i18n";
import { LaunchFormContext, type LaunchFormState } from "./formContext";
import { errorsUnder, GENERAL, rangePairs, sections, type FieldErrors } from "./formModel";
import { FieldView, GroupView } from "./FieldWidgets";
import type { Segment, Values } from "./paths";
import styles from "./Launcher.module.css";

/**
 * The form generated from the server's form description: one tab per top-level section, each
 * field drawn with its widget, hidden conditions evaluated against the values as they change.
 */
export function LaunchForm({
  root,
  values,
  onChange,
  errors,
  disabled = false,
  tab,
  onTab,
}: {
  root: FormField;
  values: Values;
  onChange(path: readonly Segment[], value: unknown): void;
  errors: FieldErrors;
  disabled?: boolean;
  /** The selected tab; the first visible one when absent or hidden. */
  tab?: string;
  onTab(id: string): void;
}) {
  const t = useT();
  const pairs = useMemo(() => rangePairs(root), [root]);
  const tabs = sections(root, values, pairs);
  const state: LaunchFormState = { values, set: onChange, errors, pairs, disabled };
  const current = tabs.find((s) => s.id === tab) ?? tabs[0];

  if (!current) return <p className="field-hint">{t("launcher.form.empty")}</p>;
  return (
    <LaunchFormContext value={state}>
      <Tabs
        label={t("launcher.form.sections")}
        idPrefix="launch"
        items={tabs.map((s) => {
          const n = s.id === GENERAL ? s.fields.reduce((a, f) => a + errorsUnder(errors, f.path), 0) : errorsUnder(errors, s.id);
          return {
            id: s.id,
            label: (
              <>
                {s.id === GENERAL ? t("launcher.form.general") : s.title}
                {n > 0 ? (
                  <span className={styles.tabError}>
                    <span className="visually-hidden">{t("launcher.form.tabErrors", { n })}</span>
                  </span>
                ) : null}
              </>
            ),
          };
        })}
        selected={current.id}
        onSelect={onTab}
      />
      <div id="launch-panel" role="tabpanel" aria-labelledby={`launch-tab-${current.id}`} className={styles.panel}>
        {current.description ? <p className={styles.sectionDescription}>{current.description}</p> : null}
        {current.group ? (
          <GroupView field={current.group} at={[current.id]} flat />
        ) : (
          current.fields.map((f) => (f.key === undefined ? null : <FieldView key={f.key} field={f} at={[f.key]} />))
        )}
      </div>
    </LaunchFormContext>
  );
}
