// Closing a position so that it works when it matters most: in a crash, during a circuit
// breaker (the market reduce-only) or an oracle outage (no price band). A market order with a
// worst-price limit needs no band (the program takes the tighter of the band edge and the
// limit); a reduce-only order may only take what the account's resting orders on the closing
// side do not already cover, so those are cancelled first, in the same transaction.

import type { MarginAccount, Market } from "../generated";
import { OrderSide } from "../generated";
import { worstPriceTicks } from "../math/engine";
import { openOrders } from "./useMarket";

/** Slippage choices for a market close, bps of the reference price. */
export const CLOSE_SLIPPAGE_BPS = [100, 300, 500, 1_000] as const;
export const DEFAULT_CLOSE_SLIPPAGE_BPS = 300;

export interface ClosePlan {
  /** Buy to close a short, sell to close a long. */
  isBid: boolean;
  /** The whole position. */
  lots: bigint;
  /** The worst price the close accepts, ticks: for a market close, the reference moved by the
   * slippage against the trader (rounded further against it, so never tighter than asked); for
   * a limit close, the limit. */
  worstTicks: bigint;
  /** A market close takes what it can now; a limit close rests the rest at its price. */
  kind: "market" | "limit";
  /** The worst price the slippage asked for lay outside the price band, and was moved to the
   * band's edge (the program refuses a price outside it). */
  atBandEdge: boolean;
  /** Resting orders on the closing side that would use up the reduce-only allowance: cancelled
   * first. */
  cancelFirst: number;
}

/** The price a close is measured from (and positions are valued at): the index as the oracle
 * accounts read now (`live`, from `oracles.ts`), else the index the last crank stored, else the
 * stable price. */
export function closeReference(m: Market, live: bigint | null = null): bigint {
  return live ?? (m.price.indexPrice !== 0n ? m.price.indexPrice : m.price.stablePrice);
}

/** How to close `account`'s position: at market with `slippageBps` of slippage allowed from
 * `reference` (`closeReference`), or, given `limitTicks`, with a reduce-only limit order at that
 * price. Null when there is nothing to close (or, for a market close, no price to measure from).
 * `lots` are the market's tick size and quote lot size. */
export function closePlan(
  reference: bigint,
  account: MarginAccount,
  lots: { tickSize: bigint; quoteLotSize: bigint },
  slippageBps: number,
  limitTicks: bigint | null = null,
  band: { low: bigint; high: bigint } | null = null,
): ClosePlan | null {
  const position = account.trader.basePosition;
  if (position === 0n || lots.tickSize <= 0n || lots.quoteLotSize <= 0n) return null;
  const closingSide = position < 0n ? OrderSide.Bid : OrderSide.Ask;
  const cancelFirst = openOrders(account).filter((o) => o.side === closingSide).length;
  if (limitTicks !== null) {
    if (limitTicks <= 0n) return null;
    return { isBid: position < 0n, lots: position < 0n ? -position : position, worstTicks: limitTicks, kind: "limit", cancelFirst, atBandEdge: false };
  }
  if (reference === 0n) return null;
  const isBid = position < 0n;
  const asked = worstPriceTicks(reference, isBid, slippageBps, lots.tickSize, lots.quoteLotSize);
  const clamped = band === null ? asked : asked < band.low ? band.low : asked > band.high ? band.high : asked;
  return { isBid, lots: isBid ? -position : position, worstTicks: clamped, kind: "market", cancelFirst, atBandEdge: clamped !== asked };
}
