// Tests' start: the engine's WebAssembly module from disk (built by `npm test`'s pre-script,
// scripts/build-wasm.mjs), as the app loads it over HTTP.

import { readFileSync } from "node:fs";
import { initEngine } from "./engine";

await initEngine(readFileSync(new URL("./engine.wasm", import.meta.url)));
