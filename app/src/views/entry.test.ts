import { describe, expect, it } from "vitest";
import { maxLeverageNow, refusal } from "./OrderEntry";
import { percentOf } from "./Positions";

const base = {
  connected: true,
  hasAccount: true,
  sizeText: "1.00",
  lots: 100n,
  lotText: "0.01",
  needsPrice: true,
  priceOk: true,
  tickText: "0.01",
  reduceOnly: false,
  marketReduceOnly: false,
  marketLabel: "Active",
  newRiskRefused: null,
  preview: { notional: 0n, fee: 0n, initialMargin: 100n, initialMarginNow: 0n, equityAfter: 1_000n, liquidationPrice: null, positionAfter: 0n },
  formatNative: (n: bigint) => n.toString(),
};

describe("order entry", () => {
  it("sends what the program would accept", () => {
    expect(refusal(base)).toBeNull();
  });

  it("names the first thing to fix, in the order a trader fixes them", () => {
    expect(refusal({ ...base, connected: false })).toBe("Connect a wallet to trade");
    expect(refusal({ ...base, hasAccount: false })).toBe("Deposit collateral first");
    expect(refusal({ ...base, sizeText: " ", lots: null })).toBe("Enter a size");
    expect(refusal({ ...base, sizeText: "0.001", lots: null })).toBe("Size must be a multiple of 0.01");
    expect(refusal({ ...base, priceOk: false })).toBe("Price must be a multiple of 0.01");
    expect(refusal({ ...base, priceOk: false, needsPrice: false })).toBeNull();
  });

  it("refuses new risk in a reduce-only market and an order its equity cannot margin", () => {
    const breaker = { ...base, marketReduceOnly: true, marketLabel: "Reduce-only: circuit breaker" };
    expect(refusal(breaker)).toBe("Reduce-only: circuit breaker: only reduce-only orders");
    expect(refusal({ ...breaker, reduceOnly: true })).toBeNull();
    // The oracles already beyond the breaker band (before any crank engages it): the program
    // refuses new risk at once, so the app does too.
    const tripped = { ...base, newRiskRefused: "beyond the circuit breaker's band" };
    expect(refusal(tripped)).toBe("New positions are refused now (beyond the circuit breaker's band): only reduce-only orders");
    expect(refusal({ ...tripped, reduceOnly: true })).toBeNull();
    const short = { ...base, preview: { ...base.preview, initialMargin: 1_001n } };
    expect(refusal(short)).toBe("Needs 1001 margin; equity 1000");
    // An order that does not raise the margin the account needs (a long selling) passes even
    // under initial margin, as the program lets it.
    expect(refusal({ ...base, preview: { ...base.preview, initialMargin: 1_001n, initialMarginNow: 1_001n } })).toBeNull();
    // A reduce-only order needs no margin.
    expect(refusal({ ...short, reduceOnly: true })).toBeNull();
    expect(refusal({ ...base, preview: "The order is too large to evaluate" })).toBe("The order is too large to evaluate");
    // TP/SL that cannot go with the order hold it back, before its margin is judged.
    const stopAbove = "A long's stop-loss must be below the index (150.00)";
    expect(refusal({ ...short, protection: stopAbove })).toBe(stopAbove);
    expect(refusal({ ...base, protection: null })).toBeNull();
  });

  it("offers the leverage the market allows now, in half steps", () => {
    expect(maxLeverageNow(1_000n)).toBe(10);
    // After a volatility jump initial margin is 40%: 2.5×, not 10×.
    expect(maxLeverageNow(4_000n)).toBe(2.5);
    expect(maxLeverageNow(3_000n)).toBe(3); // 3.33 → 3
    expect(maxLeverageNow(10_000n)).toBe(1);
    expect(maxLeverageNow(0n)).toBe(1);
  });

  it("shows PnL as a percentage of the entry cost", () => {
    expect(percentOf(-14_067n, 100_000n)).toBe("-14.06%");
    expect(percentOf(5n, 1_000n)).toBe("0.50%");
    expect(percentOf(1n, 0n)).toBe("—");
  });
});

describe("the book", async () => {
  const { withCumulative } = await import("./Book");
  it("adds each level's size to the levels before it", () => {
    const l = (priceTicks: bigint, baseLots: bigint) => ({ priceTicks, baseLots, orders: 1 });
    expect(withCumulative([l(100n, 5n), l(99n, 7n), l(98n, 1n)]).map((x) => x.cumulative)).toEqual([5n, 12n, 13n]);
    expect(withCumulative([])).toEqual([]);
  });
});
