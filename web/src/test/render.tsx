import { render } from "@testing-library/react";
import { createMemoryRouter } from "react-router";
import { App, newQueryClient } from "../App";
import type { ApiClient } from "../api/client";
import type { InstanceConfig, VersionInfo } from "../api/types";
import { routes } from "../routes";

export const testConfig: InstanceConfig = {
  branding: { name: "Datalab Test", logoUrl: "/logo.svg", palette: { primary: "#0a7d55" } },
  languages: ["en", "fr"],
  version: "1.2.3",
};

export function fakeClient(opts: {
  config?: () => Promise<InstanceConfig>;
  version?: () => Promise<VersionInfo>;
} = {}): ApiClient {
  return {
    getConfig: opts.config ?? (() => Promise.resolve(testConfig)),
    getVersion: opts.version ?? (() => Promise.resolve({ version: "1.2.3", commit: "abc1234" })),
  };
}

/** Renders the whole app at `path` against a fake API client. */
export function renderApp(path = "/", client: ApiClient = fakeClient()) {
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const qc = newQueryClient();
  qc.setDefaultOptions({ queries: { retry: false } });
  const view = render(<App router={router} client={client} queryClient={qc} />);
  return { ...view, router };
}
