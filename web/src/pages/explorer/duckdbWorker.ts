// DuckDB's worker, with its runtime patched before it starts (runtimeHook.ts). DuckDB's script
// is loaded as the file its package ships (a classic worker script): bundled, it would be
// dropped, as its package says it has no side effects.
import "./runtimeHook";
import duckdbScript from "@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url";

declare function importScripts(...urls: string[]): void;
importScripts(duckdbScript);
