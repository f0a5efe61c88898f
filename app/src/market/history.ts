// Trades and candles from the indexer (`perp-indexer`), and the fallback when it is down: a
// chart sampled live from the market's price as its account changes.

export interface Trade {
  signature: string;
  index: number;
  /** The market's address. */
  market: string;
  slot: number;
  time: number;
  priceTicks: number;
  baseLots: number;
  takerSide: "buy" | "sell";
  maker: string;
  taker: string;
}

export interface Candle {
  /** Unix seconds of the bucket's start. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Base lots traded (the indexer's candles; none for a live-sampled one). */
  volume?: number;
}

/** Prices as numbers are for drawing only; ticks keep the chain's integers elsewhere. */
interface IndexerCandle {
  time: number;
  open: string | number;
  high: string | number;
  low: string | number;
  close: string | number;
  volume: string | number;
}

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(url, { signal });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

export async function fetchTrades(indexer: string, market: string, limit = 50, signal?: AbortSignal): Promise<Trade[]> {
  return getJson<Trade[]>(`${indexer}/trades?market=${market}&limit=${limit}`, signal);
}

/** The latest fills of the margin account `account`, as maker or taker, newest first. */
export const fetchFills = accountHistory<Trade>("fills");

/** An order as the indexer recorded it from its `OrderPlaced` event. */
/** What the indexer records of every event of one account: where it was logged and when. */
interface AccountRecord {
  signature: string;
  /** Its position among the transaction's records of that kind. */
  index: number;
  market: string;
  /** The margin account. */
  account: string;
  slot: number;
  /** Unix seconds (the program's clock). */
  time: number;
}

export interface OrderRecord extends AccountRecord {
  side: "buy" | "sell";
  orderType: string;
  limitTicks: number;
  priceTicks: number;
  baseLots: number;
  filledBaseLots: number;
  cancelledBaseLots: number;
  rested: boolean;
  reduceOnly: boolean;
  clientOrderId: number;
}

/** The latest orders the margin account `account` placed, newest first. */
export const fetchOrders = accountHistory<OrderRecord>("orders");

/** Funding settled into a margin account, as the indexer recorded it from `FundingPaid`. */
export interface FundingPayment extends AccountRecord {
  /** The position it was owed on, base lots (negative: short). */
  baseLots: number;
  /** Native quote units paid (negative: received). */
  amount: number;
}

/** The latest funding payments of the margin account `account`, newest first. */
export const fetchFunding = accountHistory<FundingPayment>("funding");

/** A fetcher of one kind of an account's history (`GET /<what>?account=`), newest first. */
function accountHistory<T>(what: string) {
  return (indexer: string, account: string, limit = 50, signal?: AbortSignal): Promise<T[]> => getJson<T[]>(`${indexer}/${what}?account=${account}&limit=${limit}`, signal);
}

/** What became of an order when it was placed: "filled", "filled 2 of 5 · rests", "rests",
 * "cancelled" (nothing filled, nothing rests)… Later fills of a resting order are in the fills. */
export function orderStatus(o: OrderRecord, formatLots: (lots: bigint) => string): string {
  const filled = BigInt(o.filledBaseLots);
  const size = BigInt(o.baseLots);
  const parts: string[] = [];
  if (filled === size && size > 0n) parts.push("filled");
  else if (filled > 0n) parts.push(`filled ${formatLots(filled)} of ${formatLots(size)}`);
  if (o.rested) parts.push("rests");
  if (!o.rested && filled < size) parts.push(filled > 0n ? "rest cancelled" : "nothing filled");
  return parts.join(" · ");
}

/** A fill as the account `account` saw it: which way it traded, and whether it rested (maker)
 * or took. A fill against itself is its taker's side. */
export function ownFill(t: Trade, account: string): { side: "buy" | "sell"; role: "maker" | "taker" } {
  if (t.taker === account) return { side: t.takerSide, role: "taker" };
  return { side: t.takerSide === "buy" ? "sell" : "buy", role: "maker" };
}

/** Candles in ticks (the chart scales them to prices). */
export async function fetchCandles(indexer: string, market: string, interval: number, from: number, signal?: AbortSignal): Promise<Candle[]> {
  const rows = await getJson<IndexerCandle[]>(`${indexer}/candles?market=${market}&interval=${interval}&from=${from}`, signal);
  return rows.map((c) => ({ time: c.time, open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close), volume: Number(c.volume) }));
}

/** Folds one sampled price into candles of `interval` seconds (the live fallback). */
export function sample(candles: Candle[], time: number, price: number, interval: number): Candle[] {
  const bucket = time - (time % interval);
  const last = candles[candles.length - 1];
  if (last && last.time === bucket) {
    const next = { ...last, high: Math.max(last.high, price), low: Math.min(last.low, price), close: price };
    return [...candles.slice(0, -1), next];
  }
  if (last && last.time > bucket) return candles;
  return [...candles, { time: bucket, open: last?.close ?? price, high: Math.max(price, last?.close ?? price), low: Math.min(price, last?.close ?? price), close: price }];
}

/** The last 24 h from hourly candles: the price change (a fraction), the base lots traded, and
 * the last traded price (ticks); null without a trade in that time. */
export function stats24h(hourly: Candle[], now: number): { change: number | null; volumeLots: number; lastTicks: number } | null {
  const since = hourly.filter((c) => c.time >= now - 86_400);
  const first = since[0];
  const last = since[since.length - 1];
  if (!first || !last) return null;
  return {
    change: first.open === 0 ? null : last.close / first.open - 1,
    volumeLots: since.reduce((sum, c) => sum + (c.volume ?? 0), 0),
    lastTicks: last.close,
  };
}
