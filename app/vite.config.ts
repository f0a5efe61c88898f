import { defineConfig } from "vitest/config";

// No React plugin: esbuild compiles the JSX (the plugin only adds fast refresh in dev).
export default defineConfig({
  esbuild: { jsx: "automatic" },
  build: {
    target: "es2022",
  },
  json: { stringify: false },
  // Every test runs against the engine's WebAssembly module, loaded from disk first.
  test: { include: ["src/**/*.test.ts"], setupFiles: ["src/math/engine.setup.ts"] },
});
