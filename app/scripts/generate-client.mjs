// Generates the program's TypeScript client (@solana/kit) from its Anchor IDL with Codama:
// `npm run generate` after `cargo run -p perp-idl`. The client is committed;
// `src/generated.test.ts` fails when it is not what the committed IDL generates, so no account
// layout or instruction encoding in the app is written by hand.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { rootNodeFromAnchor } from "@codama/nodes-from-anchor";
import { renderVisitor } from "@codama/renderers-js";
import { visit } from "@codama/visitors-core";

export const IDL = fileURLToPath(new URL("../idl/perp.json", import.meta.url));
export const OUT = fileURLToPath(new URL("../src/generated", import.meta.url));

/** Renders the client of the committed IDL into `dir` (replacing what is there). */
export async function generate(dir) {
  const idl = JSON.parse(readFileSync(IDL, "utf8"));
  await visit(rootNodeFromAnchor(idl), renderVisitor(dir, { deleteFolderBeforeRendering: true }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await generate(OUT);
  console.log(`generated ${OUT}`);
}
