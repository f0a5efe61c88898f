import { describe, expect, it } from "vitest";
import type { Address, EncodedAccount } from "@solana/kit";
import type { Market } from "../generated";
import { liveIndex } from "./oracles";

// Real account layouts, written byte by byte (the engine's decoders are checked against the
// receiver SDK and Switchboard's struct in Rust; here the app's path to them is).
const PYTH_RECEIVER = "rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ" as Address;
const SWITCHBOARD = "SBondMDrcV3K4kxZR1HNVT7osZxAHVHgYXL5Ze1oMUv" as Address;
const FEED = new Uint8Array(32).fill(4);

function pyth(priceE8: bigint, publishTime: bigint, owner = PYTH_RECEIVER): EncodedAccount {
  const d = new Uint8Array(134);
  const v = new DataView(d.buffer);
  d.set([34, 241, 35, 99, 157, 126, 244, 205], 0);
  d[40] = 1; // fully verified
  d.set(FEED, 41);
  v.setBigInt64(73, priceE8, true);
  v.setBigUint64(81, priceE8 / 2000n, true); // 5 bps confidence
  v.setInt32(89, -8, true);
  v.setBigInt64(93, publishTime, true);
  return { address: "Py" as Address, programAddress: owner, data: d, executable: false, lamports: 0n as never, space: 134n };
}

function switchboard(priceE8: bigint, slot: bigint): EncodedAccount {
  const d = new Uint8Array(3208);
  const v = new DataView(d.buffer);
  d.set([196, 27, 108, 196, 10, 215, 219, 40], 0);
  const result = 8 + 2256;
  const e18 = priceE8 * 10_000_000_000n;
  v.setBigUint64(result, BigInt.asUintN(64, e18), true);
  v.setBigUint64(result + 8, e18 >> 64n, true);
  v.setBigUint64(result + 16, e18 / 2000n, true);
  d[result + 96] = 3;
  v.setBigUint64(result + 104, slot, true);
  return { address: "Sb" as Address, programAddress: SWITCHBOARD, data: d, executable: false, lamports: 0n as never, space: 3208n };
}

// A SOL-like market: lots of 0.01 SOL (10⁷ atoms of 9 decimals), quote of 6 decimals, so a raw
// price is native quote per lot × 10⁶: 150 USD = 1,500,000 native per lot.
const market = (stable: bigint, seenPyth = 0n) =>
  ({
    params: { baseLotSize: 10_000_000n, baseDecimals: 9 },
    quoteDecimals: 6,
    oracle: {
      pythPriceUpdate: "Py11111111111111111111111111111111111111111",
      pythFeedId: FEED,
      switchboardFeed: "Sb11111111111111111111111111111111111111111",
      maxAgeSecs: 30,
      maxAgeSlots: 75,
      maxConfidenceBps: 100,
      maxDeviationBps: 200,
      breakerBandBps: 1_000,
    },
    oracleSeen: { pythPublishTime: seenPyth, switchboardSlot: 0n },
    price: { stablePrice: stable },
  }) as unknown as Market;

const raw = (usd: bigint) => usd * 1_500_000_000_000n / 150n; // native per lot × 10⁶

describe("the live index", () => {
  it("is the engine's aggregate of the oracle accounts as they read now", () => {
    const live = liveIndex(market(raw(150n)), { pyth: pyth(150_00000000n, 995n), switchboard: switchboard(152_00000000n, 1_990n) }, 1_000n, 2_000n);
    expect(live.sources.map((s) => [s.name, s.price, s.fault, s.age])).toEqual([
      ["Pyth", raw(150n), null, "5s ago"],
      ["Switchboard", raw(152n), null, "10 slots ago"],
    ]);
    expect(live).toMatchObject({ index: raw(151n), indexFault: null, newRiskRefused: null });
  });

  it("says which source is refused and why, and what that means for the index", () => {
    const m = market(raw(150n));
    const stale = liveIndex(m, { pyth: pyth(150_00000000n, 960n), switchboard: switchboard(150_00000000n, 1_990n) }, 1_000n, 2_000n);
    expect(stale.sources[0]).toMatchObject({ price: null, fault: "Stale", age: "40s ago" });
    expect(stale).toMatchObject({ index: null, indexFault: "Stale", newRiskRefused: "Stale" });
    // Apart by more than 2%: no index; new risk refused.
    const apart = liveIndex(m, { pyth: pyth(150_00000000n, 999n), switchboard: switchboard(160_00000000n, 1_999n) }, 1_000n, 2_000n);
    expect(apart).toMatchObject({ index: null, indexFault: "SourcesDiverge", newRiskRefused: "SourcesDiverge" });
    // Agreeing 12% below the stable price: an index, but beyond the breaker's 10% band.
    const crash = liveIndex(m, { pyth: pyth(132_00000000n, 999n), switchboard: switchboard(132_00000000n, 1_999n) }, 1_000n, 2_000n);
    expect(crash).toMatchObject({ index: raw(132n), newRiskRefused: "BreakerTripped" });
    // Owned by another program; an account that does not exist; a print older than one used.
    const forged = liveIndex(m, { pyth: pyth(150_00000000n, 999n, SWITCHBOARD), switchboard: null }, 1_000n, 2_000n);
    expect(forged.sources.map((s) => s.fault)).toEqual(["WrongOwner", "WrongOwner"]);
    const older = liveIndex(market(raw(150n), 999n), { pyth: pyth(150_00000000n, 998n), switchboard: switchboard(150_00000000n, 1_999n) }, 1_000n, 2_000n);
    expect(older.sources[0]!.fault).toBe("Regressed");
  });

  it("is unknown, not refused, while an account is still loading", () => {
    const live = liveIndex(market(raw(150n)), { pyth: pyth(150_00000000n, 999n) }, 1_000n, 2_000n);
    expect(live).toMatchObject({ index: null, indexFault: null, newRiskRefused: null });
    expect(live.sources[1]).toMatchObject({ name: "Switchboard", price: null, fault: null, age: null });
  });
});
