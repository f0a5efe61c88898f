// The generated client (`src/generated`, Codama from `idl/perp.json`) is exactly what the
// committed IDL generates, and it carries the program's own error messages and instruction
// discriminators.

import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module script without types.
import { generate, IDL, OUT } from "../scripts/generate-client.mjs";
import { getPerpErrorMessage, PERP_ERROR__DUPLICATE_AUTHORITY } from "./generated/errors/perp";
import { MARKET_UPDATE_PRICE_DISCRIMINATOR } from "./generated/instructions/marketUpdatePrice";

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path, "utf8"));
    }
  };
  walk(dir);
  return out;
}

interface Idl {
  errors: { code: number; name: string; msg: string }[];
  instructions: { name: string; discriminator: number[] }[];
}
const idl: Idl = JSON.parse(readFileSync(IDL, "utf8"));

describe("generated client", () => {
  it("is what the committed IDL generates (run `npm run generate` after changing it)", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "perp-client-"));
    await generate(fresh);
    const [want, got] = [files(fresh), files(OUT)];
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [path, text] of want) expect(got.get(path), path).toBe(text);
  }, 60_000);

  it("maps every program error code to the program's message", () => {
    expect(PERP_ERROR__DUPLICATE_AUTHORITY).toBe(6000);
    expect(idl.errors.length).toBeGreaterThan(100);
    for (const e of idl.errors) {
      expect(getPerpErrorMessage(e.code as typeof PERP_ERROR__DUPLICATE_AUTHORITY)).toBe(e.msg);
    }
  });

  it("encodes instructions with the program's discriminators", () => {
    const ix = idl.instructions.find((i) => i.name === "market_update_price")!;
    expect([...MARKET_UPDATE_PRICE_DISCRIMINATOR]).toEqual(ix.discriminator);
  });
});
