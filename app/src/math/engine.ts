// The engine's numbers under typed names: each function is one export of the engine's
// WebAssembly module (`wasm.ts`), so the app shows what the program computes — margin fractions,
// health, liquidation price, account risk with funding settled, withdrawable, the order preview
// with its fee in whole quote lots, the funding rate and the book's levels. No rule is written
// here. `app/vectors/engine.json`, written by the engine, is the cross-check (`engine.test.ts`).

import type { Trader } from "../generated";
import { call, codeName, codeNumber, readSource, valueOf, walkBook, type AccountInput, type MarketInput, type Slot } from "./wasm";

export { EngineError, initEngine, type AccountInput, type MarketInput } from "./wasm";

/** Basis points in one whole. */
export const BPS = 10_000n;
/** Fixed-point scale of a raw `Price` (native quote units per base lot × PRICE_SCALE). */
export const PRICE_SCALE = 1_000_000n;

/** A slot that must hold a value. */
const need = (s: Slot): bigint => {
  const v = valueOf(s);
  if (v === null) throw new Error("the engine returned no value where one is due");
  return v;
};

/** A trader with nothing: no position, no orders. */
export const FLAT_TRADER: Trader = {
  basePosition: 0n,
  quoteEntry: 0n,
  realisedPnl: 0n,
  feesPaid: 0n,
  bidsBaseLots: 0n,
  bidsQuoteLots: 0n,
  asksBaseLots: 0n,
  asksQuoteLots: 0n,
  slotsInUse: 0,
  padding: 0,
  orders: Array.from({ length: 32 }, () => ({
    orderId: [0n, 0n],
    clientOrderId: 0n,
    price: 0n,
    baseLots: 0n,
    side: 0,
    padding: new Uint8Array(3),
    bookLeaf: 0,
  })),
};

/** Margin fractions of `market`'s parameters for `lots` at volatility `volBps`, open interest
 * `oiLots` and market maintenance `marketBps`, each a slot (the engine may refuse one alone). */
export function marginFractions(market: MarketInput, lots: bigint, volBps: bigint, oiLots: bigint, marketBps: bigint): Slot[] {
  return call("margin_fractions", market, null, [lots, volBps, oiLots, marketBps], 5);
}

/** Equity, unrealised, exposure (native × PRICE_SCALE), exposure lots, covers initial (0/1),
 * maintenance surplus and withdrawable (native) of `trader` holding `balance` at `price`. */
export function health(trader: Trader, balance: bigint, quoteLotSize: bigint, price: bigint, initialBps: bigint, maintenanceBps: bigint): Slot[] {
  return call("health", null, { collateral: 0n, trader }, [balance, quoteLotSize, price, initialBps, maintenanceBps], 7);
}

/** The price (raw) at which `position` reaches maintenance; `null` when flat or never. */
export function liquidationPrice(position: bigint, equityExPosition: bigint, maintenanceBps: bigint): bigint | null {
  const low = BigInt.asIntN(64, equityExPosition);
  const high = equityExPosition >> 64n;
  if (high !== BigInt.asIntN(64, high)) throw new Error("equity beyond 128 bits");
  return valueOf(call("liquidation_price", null, null, [position, low, high, maintenanceBps], 1)[0]!);
}

/** The market's initial and maintenance fractions now for `lots` (bps). */
export function marginBps(market: MarketInput, lots: bigint): { initialBps: bigint; maintenanceBps: bigint } {
  const [i, m] = call("margin_bps", market, null, [lots], 2);
  return { initialBps: need(i!), maintenanceBps: need(m!) };
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
  maintenanceSurplus: bigint;
  liquidationPrice: bigint | null;
  /** What the account owes beyond its collateral (a bankrupt account's debt). */
  shortfall: bigint;
  /** What may be withdrawn, judged at `price`. */
  withdrawable: bigint;
}

/** `account` valued at `price` (raw), its unsettled funding settled first, as the keeper and
 * the program see it. */
export function accountRisk(market: MarketInput, account: AccountInput, price: bigint): AccountRisk {
  const s = call("account_risk", market, account, [price], 10).map(valueOf);
  return {
    collateral: account.collateral,
    equity: s[0]!,
    unrealisedPnl: s[1]!,
    entryPrice: s[2]!,
    maintenanceBps: s[3]!,
    maintenanceSurplus: s[4]!,
    marginRatioBps: s[5]!,
    liquidationPrice: s[6]!,
    shortfall: s[7]!,
    withdrawable: s[8]!,
    positionLots: s[9]!,
  };
}

/** Whether `liquidate` accepts `account` at the band [low, high]. */
export function liquidatable(market: MarketInput, account: AccountInput, low: bigint, high: bigint): boolean {
  return need(call("liquidatable", market, account, [low, high], 2)[0]!) === 1n;
}

/** What `account` may withdraw at the band [low, high], as `collateral_withdraw` computes it. */
export function withdrawable(market: MarketInput, account: AccountInput, low: bigint, high: bigint): bigint {
  return need(call("withdrawable", market, account, [low, high], 1)[0]!);
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
  /** Native units, charged in whole quote lots as the book charges it (negative: a rebate). */
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

/** What order `o` would cost `account` and leave it with, valued at `price` (raw). */
export function orderPreview(market: MarketInput, account: AccountInput, o: OrderIntent, price: bigint): OrderPreview {
  const args = [o.isBid ? 0n : 1n, o.lots, o.priceTicks, o.takes ? 1n : 0n, price];
  const s = call("order_preview", market, account, args, 8).map(valueOf);
  return {
    notional: s[1]!,
    fee: s[2]!,
    initialMargin: s[3]!,
    initialMarginNow: s[4]!,
    equityAfter: s[5]!,
    liquidationPrice: s[6]!,
    positionAfter: s[7]!,
  };
}

/** The funding rate the open interval points to, bps per interval (longs pay when positive),
 * clamped as the program clamps the payment. */
export function fundingRateBps(market: MarketInput): bigint {
  return need(call("funding_rate", market, null, [], 1)[0]!);
}

/** The band an order's price must lie in (raw prices), as the program computes it from the
 * oracle sources as graded now (none: every source down), the stable price and the market's
 * last recorded oracle reference `[refLow, refHigh]` (0, 0: none); null when there is no stable
 * price yet or the band is empty (orders are then refused). */
export function orderBand(stable: bigint, refLow: bigint, refHigh: bigint, maxDeviationBps: number, bandBps: number, sources: GradedSource[] = []): { low: bigint; high: bigint } | null {
  const args = [stable, refLow, refHigh, BigInt(maxDeviationBps), BigInt(bandBps), ...sourceArgs(sources)];
  const [low, high] = call("order_band", null, null, args, 2).map(valueOf);
  return low === null || low === undefined || high === null || high === undefined ? null : { low, high };
}

/** What the program's grading needs from a market to judge one oracle source. */
export interface SourceRules {
  maxAgeSecs: number;
  maxAgeSlots: number;
  maxConfidenceBps: number;
  baseLotSize: bigint;
  baseDecimals: number;
  quoteDecimals: number;
}

/** One oracle source read from its account: its price (raw) or why the program would refuse it
 * (`Stale`, `WrongOwner`… the engine's `SourceFault` names), and when it was published (unix
 * seconds for Pyth, a slot for Switchboard; null when the account does not decode). */
export interface SourceGrade {
  price: bigint | null;
  fault: string | null;
  published: bigint | null;
}

/** Reads oracle account `data` owned by `owner` as Pyth (`kind` 0, for feed `feed`) or
 * Switchboard (1), and grades it as the program would at unix time `now` and `slot`, refusing a
 * print older than `newestUsed` (the market's `oracle_seen` for this source; 0: none). */
export function gradeSource(kind: 0 | 1, owner: Uint8Array, feed: Uint8Array, data: Uint8Array, rules: SourceRules, now: bigint, slot: bigint, newestUsed: bigint): SourceGrade {
  const args = [now, slot, BigInt(rules.maxAgeSecs), BigInt(rules.maxAgeSlots), BigInt(rules.maxConfidenceBps), rules.baseLotSize, BigInt(rules.baseDecimals + 256 * rules.quoteDecimals), newestUsed];
  const [price, published] = readSource(kind, owner, feed, data, args);
  const ok = price!.code === 0;
  return { price: ok ? price!.value : null, fault: ok ? null : codeName(price!), published: valueOf(published!) };
}

export interface IndexVerdict {
  /** The aggregate of the agreeing sources (raw), or null with `indexFault` saying why. */
  index: bigint | null;
  indexFault: string | null;
  /** Null when the program would let risk increase at these prices; else why not
   * (`BreakerTripped`, `SourcesDiverge`, a source's fault…). */
  newRiskRefused: string | null;
}

/** The index and the new-risk verdict over graded sources (in configuration order), as the
 * program's `price_for` reaches them against the stable price (0: none). */
export function indexPrice(sources: GradedSource[], maxDeviationBps: number, bandBps: number, stable: bigint): IndexVerdict {
  const args = [BigInt(maxDeviationBps), BigInt(bandBps), stable, ...sourceArgs(sources)];
  const [index, risk] = call("index_price", null, null, args, 2);
  const fault = (s: Slot) => (s.code === 0 ? null : codeName(s));
  return { index: index!.code === 0 ? index!.value : null, indexFault: fault(index!), newRiskRefused: fault(risk!) };
}

/** A source as graded (`gradeSource`): its price, or its fault. */
export type GradedSource = Pick<SourceGrade, "price" | "fault">;

/** Graded sources as the module reads them: their count, then each one's price and fault code. */
function sourceArgs(sources: GradedSource[]): bigint[] {
  if (sources.length > 2) throw new Error("at most two oracle sources");
  return [BigInt(sources.length), ...sources.flatMap((s) => [s.price ?? 0n, BigInt(s.fault ? codeNumber(s.fault) : 0)])];
}

/** The worst price (ticks) a closing market order accepts: `reference` (raw) moved by
 * `slippageBps` against the trader, rounded further against it, at least one tick — the
 * engine's `worst_price_ticks`, which the keeper's unwind uses too. */
export function worstPriceTicks(reference: bigint, isBid: boolean, slippageBps: number, tickSize: bigint, quoteLotSize: bigint): bigint {
  return need(call("worst_price", null, null, [reference, isBid ? 0n : 1n, BigInt(slippageBps), tickSize, quoteLotSize], 1)[0]!);
}

/** How much a reduce-only order buying (`isBid`) or selling may take now: the position the
 * other way less the account's resting orders on that side (a fired stop is held to it too). */
export function reducibleLots(trader: Trader, isBid: boolean): bigint {
  return need(call("reducible", null, { collateral: 0n, trader }, [isBid ? 0n : 1n], 1)[0]!);
}

export interface Level {
  priceTicks: bigint;
  baseLots: bigint;
  orders: number;
}

export interface Book {
  bids: Level[];
  asks: Level[];
}

/** Up to `depth` price levels a side of the order book account `data` (its raw bytes), best
 * first, orders expired at `now` left out: the engine's own walk of its crit-bit trees. */
export function bookLevels(data: Uint8Array, now: bigint, depth: number): Book {
  const w = walkBook(data, now, depth);
  const level = (i: number): Level => ({ priceTicks: w[2 + 3 * i]!, baseLots: w[3 + 3 * i]!, orders: Number(w[4 + 3 * i]!) });
  const bids = Array.from({ length: Number(w[0]!) }, (_, i) => level(i));
  const asks = Array.from({ length: Number(w[1]!) }, (_, i) => level(bids.length + i));
  return { bids, asks };
}
