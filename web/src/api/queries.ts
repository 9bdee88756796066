import { useQuery } from "@tanstack/react-query";
import { useApi } from "./ApiProvider";

export const queryKeys = {
  config: ["config"] as const,
  version: ["version"] as const,
};

/** The instance configuration; it changes only when the server restarts. */
export function useConfig() {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.config,
    queryFn: ({ signal }) => api.getConfig(signal),
    staleTime: Infinity,
  });
}

export function useVersion() {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.version,
    queryFn: ({ signal }) => api.getVersion(signal),
    staleTime: 5 * 60_000,
  });
}
