import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useApi } from "../../api/ApiProvider";
import { fieldViolations } from "../../api/errors";
import { queryKeys } from "../../api/queries";
import type { LaunchRequest } from "../../api/types";
import { Dialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { useT } from "../../i18n";
import { useProject } from "../../project";
import { configurationExtra } from "./savedConfiguration";
import styles from "./Launcher.module.css";

/** "Save the configuration": asks for a name, then keeps the launch under it in the project. */
export function SaveConfigurationButton({
  request,
  linkQuery,
  defaultName,
  disabled,
}: {
  /** The launch as it would be sent now. */
  request(): LaunchRequest;
  /** The launch link of the user's changes, without autoLaunch. */
  linkQuery: string;
  defaultName: string;
  disabled?: boolean;
}) {
  const t = useT();
  const api = useApi();
  const qc = useQueryClient();
  const { project } = useProject();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(defaultName);
  const [saved, setSaved] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (n: string) => api.saveConfiguration(project.id, n, request(), configurationExtra(linkQuery)),
    onSuccess: (cfg) => {
      setSaved(cfg.name);
      setOpen(false);
      void qc.invalidateQueries({ queryKey: queryKeys.configurations(project.id) });
    },
  });
  const violations = fieldViolations(save.error);
  const nameErrors = violations.filter((v) => v.field === "name").map((v) => v.rule);
  const otherErrors = violations.filter((v) => v.field !== "name");

  return (
    <>
      <button
        type="button"
        className="button button-secondary"
        disabled={disabled}
        onClick={() => {
          save.reset();
          setName(defaultName);
          setOpen(true);
        }}
      >
        <Icon name="download" size={16} />
        {t("launcher.save")}
      </button>
      {saved ? (
        <p className="field-hint" role="status" style={{ margin: 0 }}>
          {t("launcher.saved", { name: saved })}
        </p>
      ) : null}
      {open ? (
        <Dialog
          title={t("launcher.saveTitle")}
          onClose={() => setOpen(false)}
          footer={
            <>
              <button type="button" className="button button-secondary" onClick={() => setOpen(false)}>
                {t("ui.cancel")}
              </button>
              <button type="submit" form="save-configuration" className="button" disabled={save.isPending || !name.trim()}>
                {save.isPending ? t("ui.working") : t("launcher.saveConfirm")}
              </button>
            </>
          }
        >
          <form
            id="save-configuration"
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate(name.trim());
            }}
          >
            <p className="field-hint">{t("launcher.saveHint")}</p>
            <div className="field">
              <label htmlFor="configuration-name">{t("launcher.saveName")}</label>
              <input
                id="configuration-name"
                type="text"
                value={name}
                maxLength={63}
                data-autofocus
                aria-invalid={nameErrors.length > 0 || undefined}
                aria-describedby={nameErrors.length > 0 ? "configuration-name-errors" : undefined}
                onChange={(e) => setName(e.target.value)}
              />
              {nameErrors.length > 0 ? (
                <span id="configuration-name-errors" className={styles.fieldError}>
                  {nameErrors.join("; ")}
                </span>
              ) : null}
            </div>
            {otherErrors.map((v) => (
              <p key={v.field} className={styles.fieldError}>
                <code>{v.field}</code>: {v.rule}
              </p>
            ))}
            {save.error && violations.length === 0 ? <ErrorNotice error={save.error} title={t("launcher.saveError")} /> : null}
          </form>
        </Dialog>
      ) : null}
    </>
  );
}
