/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";

// In development, `npm run dev` proxies the API to a running basalt (BASALT_URL, default :8080).
const backend = process.env.BASALT_URL ?? "http://127.0.0.1:8080";

// The build empties dist/, but git keeps dist/.gitkeep so that the Go embed compiles
// before any build: put it back after each build.
const keepGitkeep: Plugin = {
  name: "basalt-keep-gitkeep",
  apply: "build",
  closeBundle() {
    writeFileSync(resolve(import.meta.dirname, "dist/.gitkeep"), "");
  },
};

export default defineConfig({
  plugins: [react(), keepGitkeep],
  // Web Workers get names of their own: Basalt lets them, and only them, compile WebAssembly
  // (the data explorer's SQL engine runs in one; core/internal/server/portal.go).
  worker: { rolldownOptions: { output: { entryFileNames: "assets/worker-[name]-[hash].js" } } },
  server: {
    proxy: { "/api": { target: backend, changeOrigin: true } },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The Go embed serves these files; no source maps in the binary.
    sourcemap: false,
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    restoreMocks: true,
    // Whole-app tests with lazy pages; generous under a loaded machine.
    testTimeout: 15_000,
  },
});
