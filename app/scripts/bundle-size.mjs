// Prints what a first visit downloads: the JavaScript index.html loads (its entry module and
// the modules it preloads) and the engine's WebAssembly module (the entry fetches it before the
// first render), gzipped, beside the chunks loaded later. Fails above the budget (400 kB
// gzipped, issue 9), so a build that would break it is caught where it is made.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const BUDGET = 400 * 1024;
const dist = fileURLToPath(new URL("../dist", import.meta.url));
const html = readFileSync(join(dist, "index.html"), "utf8");
const initial = new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]));
const all = readdirSync(join(dist, "assets")).filter((f) => f.endsWith(".js")).map((f) => `assets/${f}`);
const wasm = readdirSync(join(dist, "assets")).filter((f) => f.endsWith(".wasm")).map((f) => `assets/${f}`);
const gz = (f) => gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
const kB = (n) => `${(n / 1024).toFixed(1)} kB`;
let total = 0;
for (const f of all.sort()) {
  const size = gz(f);
  if (initial.has(f)) total += size;
  console.log(`${initial.has(f) ? "initial" : "lazy   "}  ${kB(size).padStart(9)} gz  ${f}`);
}
if (wasm.length !== 1) {
  console.error(`expected the engine's WebAssembly module in dist/assets, found ${wasm.length}`);
  process.exit(1);
}
let wasmGz = 0;
for (const f of wasm) {
  wasmGz += gz(f);
  console.log(`initial  ${kB(gz(f)).padStart(9)} gz  ${f} (${kB(statSync(join(dist, f)).size)} raw)`);
}
console.log(`initial JavaScript: ${kB(total)} gzipped; with the engine's WebAssembly: ${kB(total + wasmGz)} (budget ${kB(BUDGET)})`);
total += wasmGz;
if (total > BUDGET) {
  console.error("over budget");
  process.exit(1);
}
