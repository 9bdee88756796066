import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { RouterProvider, type createBrowserRouter } from "react-router";
import { ApiProvider } from "./api/ApiProvider";
import type { ApiClient } from "./api/client";
import { useConfig } from "./api/queries";
import { I18nProvider } from "./i18n";
import { InstanceContext } from "./instance";
import { LoadErrorScreen, LoadingScreen } from "./pages/StartupScreens";
import { ThemeProvider } from "./theme/theme";

type Router = ReturnType<typeof createBrowserRouter>;

export function newQueryClient() {
  return new QueryClient({
    defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } },
  });
}

export interface AppProps {
  router: Router;
  client?: ApiClient;
  queryClient?: QueryClient;
}

export function App({ router, client, queryClient }: AppProps) {
  const [qc] = useState(() => queryClient ?? newQueryClient());
  return (
    <QueryClientProvider client={qc}>
      <ApiProvider client={client}>
        <Root router={router} />
      </ApiProvider>
    </QueryClientProvider>
  );
}

/** Loads the instance configuration, then brands, localises and routes with it. */
function Root({ router }: { router: Router }) {
  const config = useConfig();
  return (
    <I18nProvider languages={config.data?.languages}>
      <ThemeProvider branding={config.data?.branding}>
        {config.data ? (
          <InstanceContext.Provider value={config.data}>
            <RouterProvider router={router} />
          </InstanceContext.Provider>
        ) : config.isError ? (
          <LoadErrorScreen message={config.error.message} onRetry={() => void config.refetch()} />
        ) : (
          <LoadingScreen />
        )}
      </ThemeProvider>
    </I18nProvider>
  );
}
