// Generates the program's TypeScript client (@solana/kit) from its Anchor IDL with Codama:
// `npm run generate` after `cargo run -p perp-idl`. The client is committed;
// `src/generated.test.ts` fails when it is not what the committed IDL generates, so no account
// layout or instruction encoding in the app is written by hand.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { definedTypeNode, programNode, rootNode } from "@codama/nodes";
import { rootNodeFromAnchor } from "@codama/nodes-from-anchor";
import { renderVisitor } from "@codama/renderers-js";
import { visit } from "@codama/visitors-core";

export const IDL = fileURLToPath(new URL("../idl/perp.json", import.meta.url));
export const OUT = fileURLToPath(new URL("../src/generated", import.meta.url));

/** The JS renderer does not render events: their data structs become defined types, so the
 * app decodes an event (its 8-byte discriminator is the decoder's constant prefix) with a
 * generated decoder. */
function withEventTypes(root) {
  const p = root.program;
  const events = (p.events ?? []).map((e) => definedTypeNode({ name: e.name, type: e.data, docs: e.docs }));
  return rootNode(programNode({ ...p, definedTypes: [...p.definedTypes, ...events] }), root.additionalPrograms);
}

/** Renders the client of the committed IDL into `dir` (replacing what is there). */
export async function generate(dir) {
  const idl = JSON.parse(readFileSync(IDL, "utf8"));
  await visit(withEventTypes(rootNodeFromAnchor(idl)), renderVisitor(dir, { deleteFolderBeforeRendering: true }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await generate(OUT);
  console.log(`generated ${OUT}`);
}
