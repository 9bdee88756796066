import { Icon } from "../components/Icon";
import { useT } from "../i18n";

/**
 * Shows or hides the secrets of commands that mask some (the password, the git token, keys):
 * what is shown is what Copy copies, so a copy holds them only once revealed.
 */
export function RevealSecrets({ revealed, onChange }: { revealed: boolean; onChange(revealed: boolean): void }) {
  const t = useT();
  return (
    <button
      type="button"
      className="button button-secondary button-small"
      aria-pressed={revealed}
      onClick={() => onChange(!revealed)}
    >
      <Icon name={revealed ? "eyeOff" : "eye"} size={16} />
      {revealed ? t("cmd.hideSecrets") : t("cmd.revealSecrets")}
    </button>
  );
}
