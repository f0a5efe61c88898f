// Take-profit and stop-loss as the trader sets them: two prices in quote around the index,
// turned into the program's trigger orders (reduce-only market orders that fire when the index
// crosses their price, linked as a bracket when both are set). Checked before signing: a stop
// the index has already crossed would fire at once, which is never what the trader meant.

import type { Trader, TriggerExecuted, TriggerOrder, TriggerOrders, TriggerRemoved } from "../generated";
import { OrderSide, TriggerDirection, TriggerOrderKind, TriggerRemovalReason, type TriggerArgsArgs } from "../generated";
import type { MarketUnits } from "../format/units";
import { reducibleLots, worstPriceTicks } from "../math/engine";

/** Slippage a fired stop or take-profit accepts from its trigger price, bps: wide enough to
 * fill in a fast move, and the program clamps it to the price band in any case. */
export const PROTECTION_SLIPPAGE_BPS = 300;

/** TP/SL are checked against the index as the oracle accounts read now, never a stored one: in a
 * crash that is what the oracles left behind, and a stop checked against it could fire at once. */
export const NO_LIVE_INDEX = "No live index to check TP/SL against (the oracles are at fault)";

/** What protects a position: take-profit and stop-loss prices (ticks), either may be absent. */
export interface Protection {
  takeProfitTicks: bigint | null;
  stopLossTicks: bigint | null;
}

/** The prices typed for a take-profit and a stop-loss (empty: none), or why they are not prices. */
export function parseProtection(units: MarketUnits, takeProfitText: string, stopLossText: string): Protection | string {
  const parse = (text: string, name: string): bigint | null | string => {
    if (text.trim() === "") return null;
    return units.parsePrice(text.replace(/,/g, "")) ?? `${name} price must be a multiple of ${units.formatTicks(1n)}`;
  };
  const takeProfitTicks = parse(takeProfitText, "Take-profit");
  if (typeof takeProfitTicks === "string") return takeProfitTicks;
  const stopLossTicks = parse(stopLossText, "Stop-loss");
  if (typeof stopLossTicks === "string") return stopLossTicks;
  return { takeProfitTicks, stopLossTicks };
}

/** Why `p` cannot protect a long (`isLong`) or short valued at `indexTicks` (null: it can). A
 * long's stop lies below the index and its take-profit above; a short's the other way round.
 * `freeSlots`: the trigger slots the account has left. */
export function protectionRefusal(p: Protection, isLong: boolean, indexTicks: bigint, freeSlots: number, formatTicks: (t: bigint) => string): string | null {
  const side = isLong ? "long" : "short";
  const index = formatTicks(indexTicks);
  const legs = Number(p.takeProfitTicks !== null) + Number(p.stopLossTicks !== null);
  if (legs === 0) return "Enter a take-profit or a stop-loss price";
  if (legs > freeSlots) return `No free trigger slot for ${legs === 2 ? "both" : "it"}: cancel a trigger first`;
  if (p.stopLossTicks !== null && (isLong ? p.stopLossTicks >= indexTicks : p.stopLossTicks <= indexTicks)) {
    return `A ${side}'s stop-loss must be ${isLong ? "below" : "above"} the index (${index})`;
  }
  if (p.takeProfitTicks !== null && (isLong ? p.takeProfitTicks <= indexTicks : p.takeProfitTicks >= indexTicks)) {
    return `A ${side}'s take-profit must be ${isLong ? "above" : "below"} the index (${index})`;
  }
  return null;
}

/** The trigger orders that protect `lots` of a long (`isLong`) or short: each a reduce-only
 * market order on the closing side, its worst price `PROTECTION_SLIPPAGE_BPS` past its trigger
 * price. With both prices set they form a bracket (the first is sent as `trigger`, the second
 * as its `bracket` leg). */
export function protectionTriggers(p: Protection, isLong: boolean, lots: bigint, units: MarketUnits, tickSize: bigint, quoteLotSize: bigint, clientOrderId: bigint): TriggerArgsArgs[] {
  const closeIsBid = !isLong;
  const leg = (triggerTicks: bigint, direction: TriggerDirection): TriggerArgsArgs => ({
    side: closeIsBid ? OrderSide.Bid : OrderSide.Ask,
    kind: TriggerOrderKind.Market,
    direction,
    triggerPriceTicks: triggerTicks,
    limitPriceTicks: worstPriceTicks(units.ticksToRaw(triggerTicks), closeIsBid, PROTECTION_SLIPPAGE_BPS, tickSize, quoteLotSize),
    baseLots: lots,
    reduceOnly: true,
    clientOrderId,
    expiresAt: 0n,
  });
  // A long's take-profit fires as the index rises to it, its stop as it falls; a short's the
  // other way round.
  const up = TriggerDirection.AtOrAbove;
  const down = TriggerDirection.AtOrBelow;
  const out: TriggerArgsArgs[] = [];
  if (p.takeProfitTicks !== null) out.push(leg(p.takeProfitTicks, isLong ? up : down));
  if (p.stopLossTicks !== null) out.push(leg(p.stopLossTicks, isLong ? down : up));
  return out;
}

/** A trigger's name as a trader knows it: a sell that fires on a fall is a long's stop-loss, a
 * sell on a rise its take-profit; a buy the other way round (a short's). */
export function triggerName(t: Pick<TriggerOrder, "side" | "direction">): "Stop-loss" | "Take-profit" {
  const sells = t.side === OrderSide.Ask;
  const onFall = t.direction === TriggerDirection.AtOrBelow;
  return sells === onFall ? "Stop-loss" : "Take-profit";
}

/** What a removal means to the trader, and whether it is a failure of their protection (null:
 * nothing to tell — their own cancel has its own notice, and a bracket's other leg goes with
 * the fired one's notice). */
const REMOVED: Record<TriggerRemovalReason, { why: string; failed: boolean } | null> = {
  [TriggerRemovalReason.Cancelled]: null,
  [TriggerRemovalReason.BracketFilled]: null,
  [TriggerRemovalReason.Expired]: { why: "expired", failed: false },
  [TriggerRemovalReason.NothingToReduce]: { why: "removed: no position left to reduce", failed: false },
  [TriggerRemovalReason.MarginRefused]: { why: "removed: its order was refused for margin", failed: true },
  [TriggerRemovalReason.Liquidated]: { why: "removed by a liquidation", failed: true },
  [TriggerRemovalReason.DelegateChanged]: { why: "removed: the delegate that set it changed", failed: true },
};

/** The notice for what became of one of the trader's triggers, `t` as they last saw it (null:
 * unknown), or null when there is nothing to tell. A removal the trader could expect (expiry,
 * nothing left to reduce) is plain; one that leaves them unprotected (refused, liquidated) is a
 * warning. */
export function triggerNotice(
  e: { executed: TriggerExecuted } | { removed: TriggerRemoved },
  t: Pick<TriggerOrder, "side" | "direction" | "kind" | "reduceOnly"> | null,
  formatLots: (lots: bigint) => string,
): { kind: "ok" | "error"; text: string } | null {
  const name = t ? triggerName(t) : "Trigger";
  if ("executed" in e) {
    const { baseLots, done } = e.executed;
    const lots = formatLots(baseLots);
    // What the event's lots are: a market order's fill, or a limit order's whole size placed.
    const what =
      t?.kind === TriggerOrderKind.Limit
        ? `limit order for ${lots} placed`
        : `${done ? "" : "part of it, "}${lots} ${t && t.reduceOnly === 0 ? "traded" : "closed"} at market`;
    return { kind: "ok", text: `${name} fired: ${what}` };
  }
  const removal = REMOVED[e.removed.reason];
  if (removal === undefined) return { kind: "error", text: `${name} removed` };
  return removal === null ? null : { kind: removal.failed ? "error" : "ok", text: `${name} ${removal.why}` };
}

/** The triggers in use, oldest first. */
export function activeTriggers(orders: TriggerOrders | null | undefined): TriggerOrder[] {
  if (!orders) return [];
  return orders.triggers.slots.filter((t) => t.id !== 0n).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Trigger slots per margin account (the program's `MAX_TRIGGERS`: the length of a trigger
 * account's `slots`). */
export const TRIGGER_SLOTS = 8;

/** The slots `orders` has free (all of them before the account exists). */
export function freeTriggerSlots(orders: TriggerOrders | null | undefined): number {
  return orders ? orders.triggers.slots.filter((t) => t.id === 0n).length : TRIGGER_SLOTS;
}

/** Why TP/SL cannot go with a new order (null: they can). They protect what a buy opens or adds
 * to a long (a sell: to a short), for the order's size, so only with an order that does not rest
 * (what it fills is there at once; what it does not is dropped), not a reduce-only order, nor
 * one that reduces the position the account holds (that position has its own TP/SL). */
export function entryProtectionRefusal(o: {
  isBid: boolean;
  /** Whether the order can rest (limit, post-only): its TP/SL would wait for a fill that may
   * never come, and fire on a position that is not there. */
  rests: boolean;
  reduceOnly: boolean;
  position: bigint;
  protection: Protection | string;
  /** The index as the oracle accounts read now (null: none agreed). */
  indexTicks: bigint | null;
  freeSlots: number;
  formatTicks: (t: bigint) => string;
}): string | null {
  if (o.rests) return "TP/SL go with market or IOC orders: set them on the position once a limit order fills";
  if (o.reduceOnly) return "TP/SL protect a position the order opens: not with reduce-only";
  if (o.position !== 0n && o.position > 0n !== o.isBid) return "This order reduces or flips your position: set TP/SL on the position instead";
  if (typeof o.protection === "string") return o.protection;
  if (o.indexTicks === null) return NO_LIVE_INDEX;
  return protectionRefusal(o.protection, o.isBid, o.indexTicks, o.freeSlots, o.formatTicks);
}

/** What keeps `t` from doing all it says now, if anything: with no position it would act on the
 * next one; with resting orders on its side it may only take what they do not already cover (a
 * reduce-only order's allowance, the engine's). */
export function triggerCaveat(t: TriggerOrder, trader: Trader, units: MarketUnits): string | null {
  if (t.reduceOnly === 0) return null;
  const isBid = t.side === OrderSide.Bid;
  // A reduce-only sell closes a long, a buy a short.
  const closes = isBid ? "short" : "long";
  const position = trader.basePosition;
  if (position === 0n) return `no position: it would act on your next ${closes}; cancel it if that is not what you want`;
  if (position > 0n === isBid) return `it closes a ${closes}, and you hold a ${isBid ? "long" : "short"}: it would do nothing now`;
  const left = t.baseLots - t.filledLots;
  const may = reducibleLots(trader, isBid);
  if (may >= left) return null;
  return `your resting ${isBid ? "buys" : "sells"} come first: it may ${isBid ? "buy" : "sell"} only ${units.formatLots(may)} now`;
}
