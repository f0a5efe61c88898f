// Builds the engine's WebAssembly module (`engine-wasm/`, profile `wasm`) and copies it to
// src/math/engine.wasm (git-ignored), where the app imports it and the tests read it. Runs
// before the app's dev server, tests and build (npm's pre-scripts). A fresh machine needs the
// target once: `rustup target add wasm32-unknown-unknown`.

import { execFileSync } from "node:child_process";
import { copyFileSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dest = fileURLToPath(new URL("../src/math/engine.wasm", import.meta.url));
const args = ["build", "--profile", "wasm", "--target", "wasm32-unknown-unknown", "-p", "perp-engine-wasm", "--message-format=json-render-diagnostics"];
let out;
try {
  out = execFileSync("cargo", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20 });
} catch (e) {
  console.error("building the engine's WebAssembly module failed (is the target installed? rustup target add wasm32-unknown-unknown)");
  process.exit(e.status ?? 1);
}
// The artifact's path from cargo itself (wherever CARGO_TARGET_DIR points).
const wasm = out
  .split("\n")
  .filter((l) => l.startsWith("{"))
  .map((l) => JSON.parse(l))
  .filter((m) => m.reason === "compiler-artifact" && m.target?.name === "perp_engine_wasm")
  .flatMap((m) => m.filenames)
  .find((f) => f.endsWith(".wasm"));
if (!wasm) {
  console.error("cargo built no .wasm for perp-engine-wasm");
  process.exit(1);
}
copyFileSync(wasm, dest);
const raw = statSync(dest).size;
const gz = gzipSync(readFileSync(dest), { level: 9 }).length;
console.log(`engine.wasm: ${(raw / 1024).toFixed(1)} kB raw, ${(gz / 1024).toFixed(1)} kB gzipped`);
