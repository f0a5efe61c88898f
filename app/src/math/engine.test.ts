// Every case of the engine's vectors (`app/vectors/engine.json`, written by
// `cargo test -p perp-engine --test vectors`) through the TypeScript port: same outputs, and an
// error exactly where the engine refuses.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as engine from "./engine";

type Json = Record<string, string>;
interface Case {
  params?: Json;
  input: Json;
  output: Json | string;
}
interface Vectors {
  priceScale: string;
  margin: Case[];
  health: Case[];
  liquidationPrice: { input: Json; output: { price: string | null } }[];
}

const vectors: Vectors = JSON.parse(
  readFileSync(new URL("../../vectors/engine.json", import.meta.url), "utf8"),
);

const big = (o: Json) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, BigInt(v)])) as Record<string, bigint>;

/** `f()` as the vectors write it: its value as a decimal string, or "error". */
function outcome(f: () => bigint | boolean): string {
  try {
    return String(f());
  } catch (e) {
    if (e instanceof engine.MathError) return "error";
    throw e;
  }
}

describe("engine vectors", () => {
  it("use the same price scale", () => {
    expect(BigInt(vectors.priceScale)).toBe(engine.PRICE_SCALE);
  });

  it("margin fractions", () => {
    expect(vectors.margin.length).toBeGreaterThan(0);
    for (const c of vectors.margin) {
      const p = big(c.params!) as unknown as engine.MarginParams;
      const i = big(c.input);
      expect({
        sizeMultiplierBps: outcome(() => engine.sizeMultiplierBps(p, i.lots!)),
        volMultiplierBps: outcome(() => engine.volMultiplierBps(p, i.volBps!)),
        initialBps: outcome(() => engine.initialBps(p, i.lots!, i.volBps!, i.oiLots!)),
        maintenanceTargetBps: outcome(() => engine.maintenanceTargetBps(p, i.volBps!)),
        maintenanceBps: outcome(() => engine.maintenanceBps(p, i.marketMaintenanceBps!, i.lots!)),
      }).toEqual(c.output);
    }
  });

  it("health, margin cover, surplus and withdrawable", () => {
    expect(vectors.health.length).toBeGreaterThan(0);
    for (const c of vectors.health) {
      const i = big(c.input);
      const trader = i as unknown as engine.TraderState;
      let h: engine.Health;
      try {
        h = engine.health(trader, i.balance!, i.quoteLotSize!, i.price!);
      } catch (e) {
        expect(e).toBeInstanceOf(engine.MathError);
        expect(c.output).toBe("error");
        continue;
      }
      expect({
        equity: String(h.equity),
        unrealised: String(h.unrealised),
        exposure: String(h.exposure),
        exposureLots: String(h.exposureLots),
        coversInitial: outcome(() => engine.covers(h, i.initialBps!)),
        maintenanceSurplus: outcome(() => engine.surplus(h, i.maintenanceBps!)),
        withdrawable: outcome(() => engine.withdrawable(h, i.initialBps!)),
      }).toEqual(c.output);
    }
  });

  it("liquidation prices", () => {
    expect(vectors.liquidationPrice.length).toBeGreaterThan(0);
    for (const c of vectors.liquidationPrice) {
      const i = big(c.input);
      let got: string | null;
      try {
        const p = engine.liquidationPrice(i.position!, i.equityExPosition!, i.maintenanceBps!);
        got = p === null ? null : String(p);
      } catch (e) {
        expect(e).toBeInstanceOf(engine.MathError);
        got = "error";
      }
      expect(got).toBe(c.output.price);
    }
  });
});
