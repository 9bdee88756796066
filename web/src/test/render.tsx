import { render } from "@testing-library/react";
import { createMemoryRouter } from "react-router";
import { App, newQueryClient } from "../App";
import type { ApiClient } from "../api/client";
import type { UIConfig as InstanceConfig, Version as VersionInfo } from "../api/types";
import { routes } from "../routes";
import { mockApi, testConfig } from "./mockApi";

export { testConfig };

/** A client over the mocked fetch whose /config and /version answer as given. */
export function fakeClient(opts: {
  config?: () => Promise<InstanceConfig>;
  version?: () => Promise<VersionInfo>;
} = {}): ApiClient {
  const base = mockApi().client;
  return {
    ...base,
    getConfig: opts.config ?? base.getConfig,
    getVersion: opts.version ?? base.getVersion,
  };
}

/** Renders the whole app at `path` against an API client (by default the mocked fetch's). */
export function renderApp(path = "/", client: ApiClient = fakeClient()) {
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const qc = newQueryClient();
  qc.setDefaultOptions({ queries: { retry: false, refetchInterval: false } });
  const view = render(<App router={router} client={client} queryClient={qc} />);
  return { ...view, router };
}
