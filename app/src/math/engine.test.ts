// Every case of the engine's vectors (`app/vectors/engine.json`, written by
// `cargo test -p perp-engine --test vectors`) through the engine's WebAssembly module as the app
// loads it: same outputs, and an error exactly where the engine refuses. What the vectors check
// here is the ABI — the generated client's encoding of the accounts, the parameter words, the
// slots — since the math is the engine's own.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as engine from "./engine";
import type { Slot } from "./wasm";

type Json = { [k: string]: string | null | boolean | Json };
interface Case {
  params?: Json;
  input: Json;
  output: Json | string;
}
interface AccountCase {
  market: Json;
  account: Json;
  price: string;
  order: Json;
  output: { risk: Json | string; preview: Json | string; fundingRateBps: string };
}
type Grade = { price: string } | { fault: string };
interface OracleSourceCase {
  kind: 0 | 1;
  owner: string;
  feed: string;
  data: { len: number; runs: [number, string][] };
  rules: { maxAgeSecs: number; maxAgeSlots: number; maxConfidenceBps: number; baseLotSize: string; baseDecimals: number; quoteDecimals: number };
  now: string;
  slot: string;
  newestUsed: string;
  output: { grade: Grade; published: string | null };
}
interface OracleIndexCase {
  sources: Grade[];
  maxDeviationBps: number;
  bandBps: number;
  stable: string;
  output: { index: Grade; newRiskRefused: string | null };
}
interface Vectors {
  priceScale: string;
  oracleSource: OracleSourceCase[];
  oracleIndex: OracleIndexCase[];
  margin: Case[];
  health: Case[];
  liquidationPrice: { input: Json; output: { price: string | null } }[];
  account: AccountCase[];
}

const vectors: Vectors = JSON.parse(readFileSync(new URL("../../vectors/engine.json", import.meta.url), "utf8"));

/** Every decimal string as a BigInt, nested objects too (booleans and nulls kept). */
function big(o: Json): any {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === "string" ? BigInt(v) : v !== null && typeof v === "object" ? big(v) : v]));
}

/** A slot as the vectors write it: its value as a decimal string, null, or "error". */
const show = (s: Slot) => (s.code === 0 ? String(s.value) : s.code === 1 ? null : "error");

/** `f()` as the vectors write it; an engine refusal is "error". */
function outcome(f: () => Record<string, bigint | null>): Record<string, string | null> | string {
  try {
    return Object.fromEntries(Object.entries(f()).map(([k, v]) => [k, v === null ? null : String(v)]));
  } catch (e) {
    if (e instanceof engine.EngineError && e.code === "Math") return "error";
    throw e;
  }
}

/** The margin parameters alone, as a market the module reads (the rest zero). */
function marketOf(params: Json) {
  const zero = { vol: { lastPrice: 0n, lastAt: 0n, varianceE18: 0n }, maintenanceBps: 0n, updatedAt: 0n };
  const funding = { longIndex: 0n, shortIndex: 0n, intervalStart: 0n, lastSampleAt: 0n, premiumSum: 0n, indexSum: 0n, sampledSecs: 0n };
  const p = { volTimeConstantSecs: 0n, maintenanceRampBpsPerHour: 0n, tickSize: 0n, quoteLotSize: 0n, makerFeeBps: 0n, takerFeeBps: 0n, fundingIntervalSecs: 0n, fundingMaxRateBps: 0n, ...big(params) };
  return { risk: zero, funding, openInterest: { longLots: 0n, shortLots: 0n }, params: p };
}

describe("engine vectors through the WebAssembly module", () => {
  it("use the same price scale", () => {
    expect(BigInt(vectors.priceScale)).toBe(engine.PRICE_SCALE);
  });

  it("margin fractions", () => {
    expect(vectors.margin.length).toBeGreaterThan(0);
    for (const c of vectors.margin) {
      const i = big(c.input);
      const s = engine.marginFractions(marketOf(c.params!), i.lots, i.volBps, i.oiLots, i.marketMaintenanceBps).map(show);
      expect({
        sizeMultiplierBps: s[0],
        volMultiplierBps: s[1],
        initialBps: s[2],
        maintenanceTargetBps: s[3],
        maintenanceBps: s[4],
      }).toEqual(c.output);
    }
  });

  it("health, margin cover, surplus and withdrawable", () => {
    expect(vectors.health.length).toBeGreaterThan(0);
    for (const c of vectors.health) {
      const i = big(c.input);
      const trader = { ...engine.FLAT_TRADER, ...i };
      let s: (string | null)[];
      try {
        s = engine.health(trader, i.balance, i.quoteLotSize, i.price, i.initialBps, i.maintenanceBps).map(show);
      } catch (e) {
        expect(e).toBeInstanceOf(engine.EngineError);
        expect(c.output).toBe("error");
        continue;
      }
      expect({
        equity: s[0],
        unrealised: s[1],
        exposure: s[2],
        exposureLots: s[3],
        coversInitial: s[4] === "error" ? "error" : s[4] === "1" ? "true" : "false",
        maintenanceSurplus: s[5],
        withdrawable: s[6],
      }).toEqual(c.output);
    }
  });

  it("liquidation prices", () => {
    expect(vectors.liquidationPrice.length).toBeGreaterThan(0);
    for (const c of vectors.liquidationPrice) {
      const i = big(c.input);
      const got = outcome(() => ({ price: engine.liquidationPrice(i.position, i.equityExPosition, i.maintenanceBps) }));
      expect(typeof got === "string" ? got : got.price).toBe(c.output.price);
    }
  });

  it("account risk with funding settled, the order preview and the funding rate, at quote lots of 1, 10 and 100", () => {
    expect(vectors.account.length).toBeGreaterThan(0);
    for (const c of vectors.account) {
      const market = big(c.market);
      const a = big(c.account);
      const account = { collateral: a.collateral, trader: { ...engine.FLAT_TRADER, ...a.trader }, funding: a.funding };
      const price = BigInt(c.price);
      const o = big(c.order);
      const risk = outcome(() => {
        const { collateral: _c, positionLots: _p, ...r } = engine.accountRisk(market, account, price);
        return r;
      });
      const want = c.output.risk;
      expect(risk).toEqual(typeof want === "string" ? want : { ...want });
      expect(outcome(() => ({ ...engine.orderPreview(market, account, o, price) }))).toEqual(c.output.preview);
      expect(String(engine.fundingRateBps(market))).toBe(c.output.fundingRateBps);
    }
  });
});

const hexBytes = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));

/** An account's bytes from the vectors' runs of non-zero bytes. */
function unsparse(d: OracleSourceCase["data"]): Uint8Array {
  const out = new Uint8Array(d.len);
  for (const [at, h] of d.runs) out.set(hexBytes(h), at);
  return out;
}

const gradeJson = (g: engine.SourceGrade): Grade => (g.price !== null ? { price: String(g.price) } : { fault: g.fault! });

describe("oracle accounts through the WebAssembly module", () => {
  it("read and graded as the program does: price or fault, and the publication", () => {
    expect(vectors.oracleSource.length).toBeGreaterThan(0);
    for (const c of vectors.oracleSource) {
      const rules = { ...c.rules, baseLotSize: BigInt(c.rules.baseLotSize) };
      const g = engine.gradeSource(c.kind, hexBytes(c.owner), hexBytes(c.feed), unsparse(c.data), rules, BigInt(c.now), BigInt(c.slot), BigInt(c.newestUsed));
      expect({ grade: gradeJson(g), published: g.published === null ? null : String(g.published) }).toEqual(c.output);
    }
  });

  it("aggregated into the index, with the verdict on new risk", () => {
    expect(vectors.oracleIndex.length).toBeGreaterThan(0);
    for (const c of vectors.oracleIndex) {
      const sources = c.sources.map((s) => ("price" in s ? { price: BigInt(s.price), fault: null } : { price: null, fault: s.fault }));
      const v = engine.indexPrice(sources, c.maxDeviationBps, c.bandBps, BigInt(c.stable));
      expect({ index: v.index !== null ? { price: String(v.index) } : { fault: v.indexFault! }, newRiskRefused: v.newRiskRefused }).toEqual(c.output);
    }
  });
});

describe("engine errors", () => {
  it("come back named, not as traps", () => {
    expect(() => engine.marginBps(marketOf(vectors.margin[0]!.params!), -1n)).toThrow(/InvalidInput/);
    expect(() => engine.liquidationPrice(1n, (1n << 126n) * 1n, 5_000n)).toThrow(/Math/);
    expect(() => engine.bookLevels(new Uint8Array(12), 0n, 5)).toThrow(/BookAccountSize/);
  });
});

describe("the order band", () => {
  const p = (native: bigint) => native * engine.PRICE_SCALE;
  it("is the engine's: the stable band overlapped with the recorded reference's", () => {
    // Stable 100, reference 104–106, 5%: from 104 × 0.95 = 98.8 to 105.
    expect(engine.orderBand(p(100n), p(104n), p(106n), 100, 500)).toEqual({ low: (p(104n) / 100n) * 95n, high: p(105n) });
    expect(engine.orderBand(p(100n), 0n, 0n, 100, 500)).toEqual({ low: p(95n), high: p(105n) });
    // No stable price yet, or a reference too far from it: no band.
    expect(engine.orderBand(0n, 0n, 0n, 100, 500)).toBeNull();
    expect(engine.orderBand(p(100n), p(120n), p(120n), 100, 500)).toBeNull();
  });
});

describe("what a reduce-only order may take", () => {
  it("is the engine's: the position less the resting orders on the closing side", () => {
    const long = { ...engine.FLAT_TRADER, basePosition: 10n, asksBaseLots: 7n };
    expect(engine.reducibleLots(long, false)).toBe(3n);
    expect(engine.reducibleLots(long, true)).toBe(0n);
    expect(engine.reducibleLots({ ...long, asksBaseLots: 12n }, false)).toBe(0n);
    expect(engine.reducibleLots({ ...engine.FLAT_TRADER, basePosition: -4n }, true)).toBe(4n);
  });
});
