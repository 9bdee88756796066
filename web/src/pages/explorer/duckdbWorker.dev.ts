// The development server's version of duckdbWorker.ts: it serves workers as modules, where
// importScripts does not exist, and does not drop side-effect imports.
import "./runtimeHook";
import "@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js";
