// Prints what a first visit downloads: the JavaScript index.html loads (its entry module and
// the modules it preloads), gzipped, beside the chunks loaded later. Fails above the budget
// (400 kB gzipped, issue 9), so a build that would break it is caught where it is made.

import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const BUDGET = 400 * 1024;
const dist = fileURLToPath(new URL("../dist", import.meta.url));
const html = readFileSync(join(dist, "index.html"), "utf8");
const initial = new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]));
const all = readdirSync(join(dist, "assets")).filter((f) => f.endsWith(".js")).map((f) => `assets/${f}`);
const gz = (f) => gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
const kB = (n) => `${(n / 1024).toFixed(1)} kB`;
let total = 0;
for (const f of all.sort()) {
  const size = gz(f);
  if (initial.has(f)) total += size;
  console.log(`${initial.has(f) ? "initial" : "lazy   "}  ${kB(size).padStart(9)} gz  ${f}`);
}
console.log(`initial JavaScript: ${kB(total)} gzipped (budget ${kB(BUDGET)})`);
if (total > BUDGET) {
  console.error("over budget");
  process.exit(1);
}
