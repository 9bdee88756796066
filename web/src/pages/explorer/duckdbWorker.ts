// DuckDB's worker, with its runtime patched before it starts (runtimeHook.ts).
import "./runtimeHook";
import "@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js";
