import { createContext, useContext } from "react";
import type { FieldErrors, RangePair } from "./formModel";
import type { Segment, Values } from "./paths";

/** What every field of a launch form reads: the values, the setter, the server's errors. */
export interface LaunchFormState {
  values: Values;
  set(path: readonly Segment[], value: unknown): void;
  errors: FieldErrors;
  pairs: Map<string, RangePair>;
  /** While a launch is on its way. */
  disabled: boolean;
}

export const LaunchFormContext = createContext<LaunchFormState | null>(null);

export function useLaunchFormState(): LaunchFormState {
  const s = useContext(LaunchFormContext);
  if (!s) throw new Error("a form field outside LaunchForm");
  return s;
}
