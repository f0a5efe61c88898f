import { defineConfig } from "vitest/config";

// No React plugin: esbuild compiles the JSX (the plugin only adds fast refresh in dev).
export default defineConfig({
  esbuild: { jsx: "automatic" },
  build: {
    target: "es2022",
  },
  json: { stringify: false },
  test: { include: ["src/**/*.test.ts"] },
});
