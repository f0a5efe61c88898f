// What the trade view shows about an account and an order before the trader signs: the
// engine's own numbers (`math/engine.ts`, the engine's WebAssembly module) for the decoded
// accounts. Amounts are native quote units; prices are raw `Price` values (native per base lot ×
// PRICE_SCALE). Only the choice of the price to show them at is made here.

import type { MarginAccount, Market } from "../generated";
import * as engine from "../math/engine";

export { FLAT_TRADER, type AccountRisk, type OrderIntent, type OrderPreview } from "../math/engine";

/** The price a trader's risk is shown at: the stable price (what margin checks lean on), or
 * the index until there is one. */
export function markPrice(m: Market): bigint {
  return m.price.stablePrice !== 0n ? m.price.stablePrice : m.price.indexPrice;
}

/** Funding the open interval would pay per interval, bps of the index (longs pay when
 * positive), clamped as the program clamps it. */
export function fundingRateBps(m: Market): number {
  return Number(engine.fundingRateBps(m));
}

/** `a` valued at `price`, with the funding it has not settled yet settled (as the keeper and
 * the program judge it). */
export function accountRisk(m: Market, a: MarginAccount, price: bigint): engine.AccountRisk {
  return engine.accountRisk(m, a, price);
}

/** What `a` may withdraw now, as `collateral_withdraw` judges it: at both ends of the range
 * between the index and the stable price (the increase-risk prices), funding and realised PnL
 * settled. A flat account may take everything; without both prices nothing else can leave. */
export function withdrawableNow(m: Market, a: MarginAccount): bigint {
  const index = m.price.indexPrice;
  const stable = m.price.stablePrice;
  const flat = a.trader.basePosition === 0n && a.trader.slotsInUse === 0;
  if (!flat && (index === 0n || stable === 0n)) return 0n;
  const [low, high] = index < stable ? [index, stable] : [stable, index];
  return engine.withdrawable(m, a, low, high);
}

/** The order's margin, fee and resulting liquidation price for account `a` (none yet: a new
 * account with `collateral`) at `price`. */
export function previewOrder(m: Market, a: MarginAccount | null, collateral: bigint, o: engine.OrderIntent, price: bigint): engine.OrderPreview {
  return engine.orderPreview(m, a ?? { collateral, trader: engine.FLAT_TRADER }, o, price);
}
