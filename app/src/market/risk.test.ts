import { describe, expect, it } from "vitest";
import type { MarginAccount, Market } from "../generated";
import { covers, health, PRICE_SCALE } from "../math/engine";
import { FLAT_TRADER, accountRisk, previewOrder } from "./risk";

// A SOL-like market: 0.01 SOL lots, ticks of 100 native per lot ($0.01 per SOL), 10% initial
// and 5% maintenance margin, no size or volatility premium, fees 2 / 5 bps.
const market = {
  params: {
    quoteLotSize: 1n,
    tickSize: 100n,
    makerFeeBps: 2,
    takerFeeBps: 5,
    initialMarginBps: 1000,
    maintenanceMarginBps: 500,
    sizePremiumBps: 0,
    sizeUnitLots: 0n,
    referenceVolBps: 0,
    maxVolMultiplierBps: 10_000,
    oiSoftCapLots: 0n,
    oiHardCapLots: 0n,
  },
  risk: { vol: { varianceE18: 0n }, maintenanceBps: 0n },
  openInterest: { longLots: 0n, shortLots: 0n },
} as unknown as Market;

const account = (collateral: bigint, t: Partial<typeof FLAT_TRADER> = {}) => ({ collateral, trader: { ...FLAT_TRADER, ...t } }) as unknown as MarginAccount;
const raw = (ticks: bigint) => ticks * 100n * PRICE_SCALE;

describe("order preview", () => {
  const price = raw(15_000n); // $150
  const collateral = 1_000_000_000n; // $1,000

  it("charges the fee rounded up and needs initial margin on the order's notional", () => {
    // Buy 10 SOL (1,000 lots) at $150: $1,500 notional.
    const p = previewOrder(market, account(collateral), 0n, { isBid: true, lots: 1000n, priceTicks: 15_000n, takes: true }, price);
    expect(p.notional).toBe(1_500_000_000n);
    expect(p.fee).toBe(750_000n);
    expect(p.initialMargin).toBe(150_000_000n);
    expect(p.initialMarginNow).toBe(0n);
    expect(p.equityAfter).toBe(collateral - 750_000n);
    expect(p.positionAfter).toBe(1000n);
  });

  it("shows the liquidation price the filled account will have", () => {
    const p = previewOrder(market, account(collateral), 0n, { isBid: true, lots: 1000n, priceTicks: 15_000n, takes: true }, price);
    const filled = account(collateral - p.fee, { basePosition: 1000n, quoteEntry: 1000n * 15_000n * 100n });
    const risk = accountRisk(market, filled, price);
    expect(p.liquidationPrice).toBe(risk.liquidationPrice);
    // Equity $999.25 on 10 SOL: maintenance is reached near $52.67 per SOL, i.e. in raw units
    // per lot, just where the engine says the account stops covering 5%.
    const liq = p.liquidationPrice!;
    expect(covers(health(filled.trader, filled.collateral, 1n, liq), 500n)).toBe(true);
    expect(covers(health(filled.trader, filled.collateral, 1n, liq - 1n), 500n)).toBe(false);
  });

  it("values an open position and what may be withdrawn", () => {
    const a = account(collateral, { basePosition: 1000n, quoteEntry: 1000n * 14_000n * 100n });
    const r = accountRisk(market, a, price);
    expect(r.unrealisedPnl).toBe(100_000_000n); // bought at $140, now $150, 10 SOL
    expect(r.equity).toBe(1_100_000_000n);
    expect(r.entryPrice).toBe(raw(14_000n));
    // Unrealised profit does not count toward withdrawals: $1,000 − 10% of $1,500.
    expect(r.withdrawable).toBe(850_000_000n);
    expect(r.marginRatioBps).toBe((75_000_000n * 10_000n) / 1_100_000_000n);
  });
});
