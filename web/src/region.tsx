import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useSyncExternalStore } from "react";
import type { RegionInfo } from "./api/types";
import { useInstance } from "./instance";
import { onRegionSaved, saveRegion, savedRegion } from "./api/region";

export interface RegionState {
  /** The configured regions, the default first; empty on servers that list none. */
  regions: RegionInfo[];
  /** The region every call goes to; undefined when the instance has none. */
  region: RegionInfo | undefined;
  setRegion(id: string): void;
}

/**
 * The instance's regions and the one picked. The API client sends the saved choice with every
 * call, so changing it drops every cached answer: each page asks again, of the new region. A
 * saved region the instance no longer has is forgotten, so calls go to the default.
 */
export function useRegion(): RegionState {
  const regions = useInstance().regions ?? [];
  const queryClient = useQueryClient();
  const chosen = useSyncExternalStore(onRegionSaved, savedRegion);
  const region = regions.find((r) => r.id === chosen) ?? regions[0];
  const stale = chosen !== undefined && regions.length > 0 && !regions.some((r) => r.id === chosen);

  useEffect(() => {
    if (!stale) return;
    saveRegion(undefined);
    void queryClient.resetQueries();
  }, [stale, queryClient]);

  const setRegion = useCallback(
    (id: string) => {
      saveRegion(id);
      void queryClient.resetQueries();
    },
    [queryClient],
  );
  return { regions, region, setRegion };
}
