import { createContext, useContext, type ReactNode } from "react";
import { createApiClient, type ApiClient } from "./client";

const defaultClient = createApiClient();
const ApiContext = createContext<ApiClient>(defaultClient);

/** Supplies the API client; tests pass a fake one. */
export function ApiProvider({ client, children }: { client?: ApiClient; children: ReactNode }) {
  return <ApiContext.Provider value={client ?? defaultClient}>{children}</ApiContext.Provider>;
}

export function useApi(): ApiClient {
  return useContext(ApiContext);
}
