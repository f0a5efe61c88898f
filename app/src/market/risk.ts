// What the trade view shows about an account and an order before the trader signs, computed
// with the engine's math (`math/engine.ts`, checked against the engine's vectors) from the
// decoded accounts. Amounts are native quote units unless named `…E6` (native × PRICE_SCALE,
// the engine's health unit); prices are raw `Price` values (native per base lot × PRICE_SCALE).

import type { MarginAccount, Market } from "../generated";
import {
  BPS,
  PRICE_SCALE,
  divEuclid,
  health,
  initialBps,
  liquidationPrice,
  oiLots,
  positionMaintenanceBps,
  volBps,
  withdrawable,
  type MarginParams,
  type TraderState,
} from "../math/engine";

const abs = (a: bigint) => (a < 0n ? -a : a);
const max = (a: bigint, b: bigint) => (a > b ? a : b);

export function marginParams(m: Market): MarginParams {
  const p = m.params;
  return {
    initialMarginBps: BigInt(p.initialMarginBps),
    maintenanceMarginBps: BigInt(p.maintenanceMarginBps),
    sizePremiumBps: BigInt(p.sizePremiumBps),
    sizeUnitLots: p.sizeUnitLots,
    referenceVolBps: BigInt(p.referenceVolBps),
    maxVolMultiplierBps: BigInt(p.maxVolMultiplierBps),
    oiSoftCapLots: p.oiSoftCapLots,
    oiHardCapLots: p.oiHardCapLots,
  };
}

/** The initial margin fraction for a worst-case exposure of `lots` now. */
function initialFor(m: Market, lots: bigint): bigint {
  const oi = oiLots(m.openInterest.longLots, m.openInterest.shortLots);
  return initialBps(marginParams(m), lots, volBps(m.risk.vol.varianceE18), oi);
}

/** The maintenance fraction for a position of `lots`. */
function maintenanceFor(m: Market, lots: bigint): bigint {
  return positionMaintenanceBps(marginParams(m), m.risk.maintenanceBps, abs(lots));
}

/** The price a trader's risk is shown at: the stable price (what margin checks lean on), or
 * the index until there is one. */
export function markPrice(m: Market): bigint {
  return m.price.stablePrice !== 0n ? m.price.stablePrice : m.price.indexPrice;
}

/** Funding the open interval would pay per interval, as a fraction of the index in bps (longs
 * pay when positive), clamped as the program clamps it. */
export function fundingRateBps(m: Market): number {
  const f = m.funding;
  if (f.sampledSecs === 0n || f.indexSum === 0n) return 0;
  const premium = Number(f.premiumSum / BigInt.asIntN(64, f.sampledSecs));
  const index = Number(f.indexSum / f.sampledSecs);
  const cap = m.params.fundingMaxRateBps;
  return Math.max(-cap, Math.min(cap, (premium / index) * 10_000));
}

export interface AccountRisk {
  collateral: bigint;
  positionLots: bigint;
  /** Average entry, raw price; null when flat. */
  entryPrice: bigint | null;
  equity: bigint;
  unrealisedPnl: bigint;
  /** Maintenance margin / equity, bps (liquidation at 10,000); null when nothing is at risk. */
  marginRatioBps: bigint | null;
  maintenanceBps: bigint;
  liquidationPrice: bigint | null;
  withdrawable: bigint;
}

function traderState(a: MarginAccount): TraderState {
  return a.trader;
}

/** Native × PRICE_SCALE → native, toward −∞ (as the engine's surplus rounds). */
const toNative = (e6: bigint) => divEuclid(e6, PRICE_SCALE);

/** `a` valued at `price` (funding not yet settled into it is left out). */
export function accountRisk(m: Market, a: MarginAccount, price: bigint): AccountRisk {
  const t = traderState(a);
  const h = health(t, a.collateral, m.params.quoteLotSize, price);
  const position = t.basePosition;
  const mBps = maintenanceFor(m, position);
  const positionValue = position * price;
  const maintenanceE6 = (abs(h.exposure) * mBps) / BPS;
  const initial = initialFor(m, h.exposureLots);
  return {
    collateral: a.collateral,
    positionLots: position,
    entryPrice: position === 0n ? null : (t.quoteEntry * m.params.quoteLotSize * PRICE_SCALE) / position,
    equity: toNative(h.equity),
    unrealisedPnl: toNative(h.unrealised),
    marginRatioBps: h.exposure === 0n ? null : h.equity <= 0n ? 10_000n * BPS : (maintenanceE6 * BPS) / h.equity,
    maintenanceBps: mBps,
    liquidationPrice: liquidationPrice(position, h.equity - positionValue, mBps),
    withdrawable: withdrawable(h, initial),
  };
}

export interface OrderIntent {
  isBid: boolean;
  lots: bigint;
  /** The price it would fill at (its limit, or the book's for a market order), ticks. */
  priceTicks: bigint;
  /** Whether it takes liquidity (fee at the taker rate). */
  takes: boolean;
}

export interface OrderPreview {
  notional: bigint;
  fee: bigint;
  /** Initial margin the account needs with the order in place, and what it needs now. */
  initialMargin: bigint;
  initialMarginNow: bigint;
  /** Equity after the fee; the order is refused when it is below `initialMargin`. */
  equityAfter: bigint;
  /** The liquidation price once the order has filled. */
  liquidationPrice: bigint | null;
  positionAfter: bigint;
}

/** A trader with nothing: no position, no orders. */
export const FLAT_TRADER: TraderState = {
  basePosition: 0n,
  quoteEntry: 0n,
  realisedPnl: 0n,
  bidsBaseLots: 0n,
  bidsQuoteLots: 0n,
  asksBaseLots: 0n,
  asksQuoteLots: 0n,
};

/** The order's margin, fee and resulting liquidation price for account `a` (none yet: a new
 * account with `collateral`) at `price`. */
export function previewOrder(m: Market, a: MarginAccount | null, collateral: bigint, o: OrderIntent, price: bigint): OrderPreview {
  const t = a ? traderState(a) : FLAT_TRADER;
  const balance = a ? a.collateral : collateral;
  const qls = m.params.quoteLotSize;
  const quoteLots = o.lots * o.priceTicks * m.params.tickSize;
  const notional = quoteLots * qls;
  const feeBps = BigInt(o.takes ? m.params.takerFeeBps : m.params.makerFeeBps);
  const fee = feeBps > 0n ? (notional * feeBps + BPS - 1n) / BPS : (notional * feeBps) / BPS;
  const im = (s: TraderState, bal: bigint) => {
    const h = health(s, bal, qls, price);
    return toNative((abs(h.exposure) * initialFor(m, h.exposureLots) + BPS - 1n) / BPS);
  };
  // With the order resting, its worst case counts toward exposure (as the program checks).
  const withOrder: TraderState = o.isBid
    ? { ...t, bidsBaseLots: t.bidsBaseLots + o.lots, bidsQuoteLots: t.bidsQuoteLots + quoteLots }
    : { ...t, asksBaseLots: t.asksBaseLots + o.lots, asksQuoteLots: t.asksQuoteLots + quoteLots };
  const delta = o.isBid ? o.lots : -o.lots;
  const filled: TraderState = { ...t, basePosition: t.basePosition + delta, quoteEntry: t.quoteEntry + (o.isBid ? quoteLots : -quoteLots) };
  const hFilled = health(filled, balance - fee, qls, price);
  const positionAfter = filled.basePosition;
  return {
    notional,
    fee,
    initialMargin: max(im(withOrder, balance), im(filled, balance - fee)),
    initialMarginNow: im(t, balance),
    equityAfter: toNative(health(t, balance, qls, price).equity) - fee,
    liquidationPrice: liquidationPrice(positionAfter, hFilled.equity - positionAfter * price, maintenanceFor(m, positionAfter)),
    positionAfter,
  };
}
