// Imported first in DuckDB's worker: DuckDB sets globalThis.DUCKDB_RUNTIME when it is
// instantiated, and the setter patches it then (runtimePatch.ts).
import { patchRuntime, type BrowserRuntime } from "./runtimePatch";

let runtime: BrowserRuntime | undefined;
Object.defineProperty(globalThis, "DUCKDB_RUNTIME", {
  configurable: true,
  get: () => runtime,
  set(value: BrowserRuntime) {
    patchRuntime(value);
    runtime = value;
  },
});
