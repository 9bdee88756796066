import type { ReactNode } from "react";
import { useLocation } from "react-router";
import { useT } from "../i18n";
import { useInstance } from "../instance";
import { useProjectState } from "../project";
import { ErrorNotice, Loading } from "./Feedback";
import { signInUrl } from "./Header";
import { Icon } from "./Icon";
import pageStyles from "../pages/Page.module.css";

/** Renders a project page once the user and their selected project are known. */
export function ProjectGate({ children }: { children: ReactNode }) {
  const t = useT();
  const { auth } = useInstance();
  const { status, error, retry } = useProjectState();
  const location = useLocation();
  if (status === "loading") return <Loading />;
  if (status === "signedOut") {
    return (
      <div className={pageStyles.notice} role="note">
        <span className={pageStyles.noticeIcon}>
          <Icon name="lock" size={22} />
        </span>
        <div>
          <h2>{t("auth.required.title")}</h2>
          <p>{t("auth.required.body")}</p>
          {auth?.loginUrl ? (
            <a className="button" href={signInUrl(auth.loginUrl, location.pathname + location.search)}>
              {t("header.signIn")}
            </a>
          ) : null}
        </div>
      </div>
    );
  }
  if (status === "error") return <ErrorNotice error={error} onRetry={retry} />;
  return <>{children}</>;
}
