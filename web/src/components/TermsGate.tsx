import { lazy, Suspense, useState, type ReactNode } from "react";
import type { Terms as TermsOfService } from "../api/types";
import { useT } from "../i18n";
import { useInstance, useLocalized } from "../instance";
import { Dialog } from "./Dialog";
import { Loading } from "./Feedback";
import { Icon } from "./Icon";

const Markdown = lazy(() => import("./Markdown").then((m) => ({ default: m.Markdown })));

const STORAGE_KEY = "basalt.terms.accepted";

/** Whether the instance has terms of service (a URL or a text). */
export function hasTerms(terms: TermsOfService | undefined): terms is TermsOfService {
  return !!terms && (!!terms.url || Object.values(terms.markdown ?? {}).some(Boolean));
}

/** The version of the terms this browser's user accepted, if any. */
export function acceptedTermsVersion(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/**
 * Asks the user to accept the instance's terms of service (ui.terms) once per version before
 * the portal is usable; the acceptance is remembered in this browser.
 */
export function TermsGate({ children }: { children: ReactNode }) {
  const t = useT();
  const text = useLocalized();
  const { terms } = useInstance();
  const version = terms?.version ?? "";
  const [accepted, setAccepted] = useState(() => acceptedTermsVersion() === version);
  if (!hasTerms(terms) || accepted) return <>{children}</>;
  const markdown = text(terms.markdown);
  const accept = () => {
    try {
      localStorage.setItem(STORAGE_KEY, version);
    } catch {
      // Storage unavailable: accepted for this page only.
    }
    setAccepted(true);
  };
  return (
    <>
      {children}
    <Dialog
      title={t("terms.title")}
      onClose={() => undefined}
      dismissible={false}
      wide
      footer={
        <button type="button" className="button" onClick={accept} data-autofocus>
          {t("terms.accept")}
        </button>
      }
    >
      <p>{t("terms.lead")}</p>
      {markdown ? (
        <div className="terms-text" tabIndex={0} aria-label={t("terms.title")}>
          <Suspense fallback={<Loading />}>
            <Markdown source={markdown} />
          </Suspense>
        </div>
      ) : null}
      {terms.url ? (
        <p>
          <a href={terms.url} target="_blank" rel="noopener noreferrer">
            {t("terms.read")}
            <Icon name="external" size={14} />
          </a>
        </p>
      ) : null}
    </Dialog>
    </>
  );
}
