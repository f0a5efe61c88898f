import { describe, expect, it } from "vitest";
import type { MarginAccount, Market } from "../generated";
import { OrderSide } from "../generated";
import { PRICE_SCALE } from "../math/engine";
import { FLAT_TRADER } from "./risk";
import { closePlan, closeReference } from "./close";

// Ticks of 100 native per lot (1 quote lot of 100 native a tick); the index at 15,000 ticks.
const TICK = 100n;
const LOTS = { tickSize: 1n, quoteLotSize: 100n };
const raw = (ticks: bigint) => ticks * TICK * PRICE_SCALE;
const market = (index: bigint, stable = index) => ({ price: { indexPrice: index, stablePrice: stable } }) as unknown as Market;
const order = (side: OrderSide, price: bigint) => ({ orderId: [0n, 0n], clientOrderId: 0n, price, baseLots: 5n, side, padding: [0, 0, 0], bookLeaf: 0 });
const account = (position: bigint, orders: ReturnType<typeof order>[] = []) => {
  const slots = Array.from({ length: 32 }, (_, i) => orders[i] ?? order(OrderSide.Bid, 0n));
  return { collateral: 0n, trader: { ...FLAT_TRADER, basePosition: position, orders: slots, slotsInUse: (1 << orders.length) - 1 } } as unknown as MarginAccount;
};

describe("closing a position", () => {
  it("sells a long and buys a short, the whole position, limited by the slippage", () => {
    const m = market(raw(15_000n));
    // 3% under $150: 14,550 ticks; 3% over: 15,450.
    expect(closePlan(closeReference(m), account(837n), LOTS, 300)).toEqual({ isBid: false, lots: 837n, worstTicks: 14_550n, kind: "market", cancelFirst: 0, atBandEdge: false });
    expect(closePlan(closeReference(m), account(-5n), LOTS, 300)).toEqual({ isBid: true, lots: 5n, worstTicks: 15_450n, kind: "market", cancelFirst: 0, atBandEdge: false });
  });

  it("rounds the worst price away from the trader, never tighter than asked", () => {
    // Index 100.005 ticks: 1% under is 99.00495 → 99; 1% over is 101.00505 → 102.
    const m = market(raw(100n) + (TICK * PRICE_SCALE) / 200n);
    expect(closePlan(closeReference(m), account(1n), LOTS, 100)?.worstTicks).toBe(99n);
    expect(closePlan(closeReference(m), account(-1n), LOTS, 100)?.worstTicks).toBe(102n);
  });

  it("cancels the resting orders on the closing side first, and only those", () => {
    // A long with a take-profit ask and a bid: the ask would use up the reduce-only allowance.
    const a = account(10n, [order(OrderSide.Ask, 16_000n), order(OrderSide.Bid, 14_000n)]);
    expect(closePlan(closeReference(market(raw(15_000n))), a, LOTS, 300)?.cancelFirst).toBe(1);
    const s = account(-10n, [order(OrderSide.Ask, 16_000n)]);
    expect(closePlan(closeReference(market(raw(15_000n))), s, LOTS, 300)?.cancelFirst).toBe(0);
  });

  it("closes at a limit when given one, without needing a reference price", () => {
    const a = account(-5n, [order(OrderSide.Bid, 14_000n)]);
    expect(closePlan(closeReference(market(0n, 0n)), a, LOTS, 300, 14_900n)).toEqual({ isBid: true, lots: 5n, worstTicks: 14_900n, kind: "limit", cancelFirst: 1, atBandEdge: false });
    expect(closePlan(closeReference(market(0n, 0n)), a, LOTS, 300, 0n)).toBeNull();
  });

  it("moves a worst price outside the price band to its edge, and says so", () => {
    // A short in a crash: the index at 15,000 but the band 15,600–16,400 (still anchored to a
    // higher stable price): a 3% buy limit (15,450) would be refused; the band's low is used.
    const m = market(raw(15_000n));
    const band = { low: 15_600n, high: 16_400n };
    expect(closePlan(closeReference(m), account(-5n), LOTS, 300, null, band)).toMatchObject({ worstTicks: 15_600n, atBandEdge: true });
    // Inside the band nothing moves.
    expect(closePlan(closeReference(m), account(-5n), LOTS, 300, null, { low: 14_000n, high: 16_000n })).toMatchObject({ worstTicks: 15_450n, atBandEdge: false });
  });

  it("measures from the stable price when no index is agreed, and has nothing to close when flat", () => {
    expect(closePlan(closeReference(market(0n, raw(20_000n))), account(1n), LOTS, 1_000)?.worstTicks).toBe(18_000n);
    expect(closePlan(closeReference(market(raw(15_000n))), account(0n), LOTS, 300)).toBeNull();
    expect(closePlan(closeReference(market(0n, 0n)), account(1n), LOTS, 300)).toBeNull();
    // The index read live from the oracle accounts comes first: the stored one lags a crank.
    expect(closeReference(market(raw(15_000n)), raw(14_000n))).toBe(raw(14_000n));
    // A slippage of all the price still leaves a positive limit.
    expect(closePlan(closeReference(market(raw(15_000n))), account(1n), LOTS, 10_000)?.worstTicks).toBe(1n);
  });
});
