import { describe, expect, it } from "vitest";
import type { MarginAccount, Market } from "../generated";
import { health, PRICE_SCALE } from "../math/engine";
import { FLAT_TRADER, accountRisk, previewOrder, withdrawableNow } from "./risk";

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
    volTimeConstantSecs: 600,
    maintenanceRampBpsPerHour: 100,
    fundingIntervalSecs: 3600n,
    fundingMaxRateBps: 50,
  },
  risk: { vol: { lastPrice: 0n, lastAt: 0n, varianceE18: 0n }, maintenanceBps: 0n, updatedAt: 0n },
  funding: { longIndex: 0n, shortIndex: 0n, intervalStart: 0n, lastSampleAt: 0n, premiumSum: 0n, indexSum: 0n, sampledSecs: 0n },
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
    const covers = (price: bigint) => health(filled.trader, filled.collateral, 1n, price, 500n, 500n)[4]!.value === 1n;
    expect(covers(liq)).toBe(true);
    expect(covers(liq - 1n)).toBe(false);
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

  it("lets withdraw only what the worse end of index and stable allows, as the program does", () => {
    // Long 10 SOL bought at $150 on $1,000.
    const a = account(collateral, { basePosition: 1000n, quoteEntry: 1000n * 15_000n * 100n });
    const at = (index: bigint, stable: bigint) => ({ ...market, price: { indexPrice: index, stablePrice: stable } }) as unknown as Market;
    // Both at $150: $1,000 − 10% of $1,500.
    expect(withdrawableNow(at(price, price), a)).toBe(850_000_000n);
    // The stable price lagging at $140 (or the index there): the low end decides — equity $900
    // less 10% of $1,400, not the $850 the index alone would allow.
    expect(withdrawableNow(at(price, raw(14_000n)), a)).toBe(760_000_000n);
    expect(withdrawableNow(at(raw(14_000n), price), a)).toBe(760_000_000n);
    // No stable price yet: nothing leaves an account with a position; a flat one takes all.
    expect(withdrawableNow(at(price, 0n), a)).toBe(0n);
    expect(withdrawableNow(at(price, 0n), account(collateral))).toBe(collateral);
  });
});

describe("the engine's rules the old TypeScript port missed", () => {
  const price = raw(15_000n);

  it("charges the fee in whole quote lots, rounded up, as the book does", () => {
    // Quote lots of 100 native, ticks of one quote lot: one lot at 10,001 ticks is 10,001 quote
    // lots (1,000,100 native). 5 bps is 5.0005 quote lots, charged 6: 600 native. (The port
    // rounded native units up: 501.)
    const coarse = { ...market, params: { ...market.params, quoteLotSize: 100n, tickSize: 1n } } as unknown as Market;
    const p = previewOrder(coarse, account(1_000_000_000n), 0n, { isBid: true, lots: 1n, priceTicks: 10_001n, takes: true }, 10_001n * 100n * PRICE_SCALE);
    expect(p.notional).toBe(1_000_100n);
    expect(p.fee).toBe(600n);
  });

  it("settles unsettled funding before valuing an account, as the keeper does", () => {
    // Longs' index rose 3 native per lot since the account settled: 10 SOL long owes 3,000.
    const owing = { ...market, funding: { ...market.funding, longIndex: 3n * PRICE_SCALE } } as unknown as Market;
    const a = account(1_000_000_000n, { basePosition: 1000n, quoteEntry: 1000n * 15_000n * 100n });
    const settled = accountRisk(owing, a, price);
    const unsettled = accountRisk(market, a, price);
    expect(unsettled.equity - settled.equity).toBe(3_000n);
    expect(settled.liquidationPrice! > unsettled.liquidationPrice!).toBe(true);
  });
});
