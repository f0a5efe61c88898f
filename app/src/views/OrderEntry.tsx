import { useEffect, useMemo, useState } from "react";
import type { MarginAccount, Market, OrderPlaced, TriggerOrders } from "../generated";
import type { Book } from "../chain/book";
import type { MarketUnits } from "../format/units";
import { BPS, EngineError, marginBps } from "../math/engine";
import { bandTicks } from "../market/band";
import { placeOrder, placeTriggers, type MarketRef, type OrderKind } from "../market/actions";
import { entryProtectionRefusal, freeTriggerSlots, parseProtection, protectionTriggers } from "../market/triggers";
import { ProtectionFields, describeProtection } from "./Protection";
import { closeReference } from "../market/close";
import { faultText, type LiveIndex } from "../market/oracles";
import { previewOrder, type OrderPreview } from "../market/risk";
import { tradingState } from "../market/status";
import { useExchange, usePending } from "../state";
import { orderOutcome } from "../chain/events";
import { isSome } from "@solana/kit";

/** "filled 1.37 · 0.50 rests" — what the trader needs to know the order did. */
export function describeOutcome(o: OrderPlaced, units: MarketUnits): string {
  const parts = [o.filledBaseLots > 0n ? `filled ${units.formatLots(o.filledBaseLots)}` : "nothing filled"];
  if (isSome(o.restingOrderId)) parts.push("the rest is on the book");
  if (o.cancelledBaseLots > 0n) parts.push(`${units.formatLots(o.cancelledBaseLots)} cancelled`);
  return parts.join(" · ");
}

const KINDS: [OrderKind, string][] = [
  ["limit", "Limit"],
  ["market", "Market"],
  ["postOnly", "Post-only"],
  ["ioc", "IOC"],
];

interface Props {
  ref_: MarketRef;
  market: Market;
  units: MarketUnits;
  account: MarginAccount | null;
  top: Book;
  symbol: string;
  /** Unix time, seconds (for the market's state). */
  now: bigint;
  /** A price picked in the book (its text): becomes a limit order's price. A new object per
   * pick, so only a pick — never a re-render — changes the form. */
  picked: { text: string } | null;
  /** The oracle accounts as they read now: the index orders are previewed at, the band. */
  live: LiveIndex | null;
  /** The account's trigger orders: undefined while loading, null when it has none. */
  triggers: TriggerOrders | null | undefined;
}

/** Why the order cannot be sent as it stands (null: it can): checked before signing, in the
 * order the trader would fix them. `preview` is the engine's preview of the order. */
export function refusal(o: {
  connected: boolean;
  hasAccount: boolean;
  sizeText: string;
  lots: bigint | null;
  lotText: string;
  needsPrice: boolean;
  priceOk: boolean;
  tickText: string;
  reduceOnly: boolean;
  marketReduceOnly: boolean;
  marketLabel: string;
  /** Why the program refuses new risk at the oracle prices right now (null: it does not). */
  newRiskRefused: string | null;
  preview: OrderPreview | string | null;
  /** Why the TP/SL set with the order cannot go (null: they can, or none are set). */
  protection?: string | null;
  formatNative: (n: bigint) => string;
}): string | null {
  if (!o.connected) return "Connect a wallet to trade";
  if (!o.hasAccount) return "Deposit collateral first";
  if (o.sizeText.trim() === "") return "Enter a size";
  if (o.lots === null || o.lots === 0n) return `Size must be a multiple of ${o.lotText}`;
  if (o.needsPrice && !o.priceOk) return `Price must be a multiple of ${o.tickText}`;
  if (o.marketReduceOnly && !o.reduceOnly) return `${o.marketLabel}: only reduce-only orders`;
  if (o.newRiskRefused && !o.reduceOnly) return `New positions are refused now (${o.newRiskRefused}): only reduce-only orders`;
  if (typeof o.preview === "string") return o.preview;
  if (o.protection) return o.protection;
  // Only an order that raises what margin the account needs is held to it: a sale that only
  // reduces a long passes with the account under initial margin, as the program lets it.
  if (!o.reduceOnly && o.preview && o.preview.initialMargin > o.preview.equityAfter && o.preview.initialMargin > o.preview.initialMarginNow) {
    return `Needs ${o.formatNative(o.preview.initialMargin)} margin; equity ${o.formatNative(o.preview.equityAfter)}`;
  }
  return null;
}

/** The most leverage the market allows now: one over its current initial margin fraction for
 * a small position (base × volatility × open interest; the size premium then only lowers it,
 * which the preview shows). */
export function maxLeverageNow(initialBps: bigint): number {
  return initialBps > 0n ? Math.max(1, Math.floor((Number(BPS) / Number(initialBps)) * 2) / 2) : 1;
}

/** Order entry: side, type, price, size or leverage, reduce-only; shows the margin the order
 * needs, its fee and the liquidation price it leaves before the trader signs, and refuses to
 * send what the program would refuse. */
export function OrderEntry({ ref_, market, units, account, top, symbol, now, picked, live, triggers }: Props) {
  const { session, run, conn } = useExchange();
  const [pending, once] = usePending();
  const [isBid, setIsBid] = useState(true);
  const [kind, setKind] = useState<OrderKind>("limit");
  const [priceText, setPriceText] = useState("");
  const [sizeText, setSizeText] = useState("");
  const [reduceOnly, setReduceOnly] = useState(false);
  const [withProtection, setWithProtection] = useState(false);
  const [takeText, setTakeText] = useState("");
  const [stopText, setStopText] = useState("");
  useEffect(() => {
    if (!picked) return;
    setKind((k) => (k === "market" ? "limit" : k));
    setPriceText(picked.text);
  }, [picked]);
  const state = tradingState(market, now);
  const initialNow = useMemo(() => {
    try {
      return marginBps(market, 0n).initialBps;
    } catch {
      return BigInt(market.params.initialMarginBps);
    }
  }, [market]);
  const maxLeverage = maxLeverageNow(initialNow);
  // The price band as the program computes it from the oracle accounts as they read now, in
  // whole ticks inside it.
  const sources = live?.sources;
  const band = useMemo(() => bandTicks(market, units.tickNative, sources ?? []), [market, units, sources]);

  const [leverage, setLeverage] = useState(1);

  const mark = closeReference(market, live?.index ?? null);
  const bestOpposite = isBid ? top.asks[0]?.priceTicks : top.bids[0]?.priceTicks;
  const lots = units.parseSize(sizeText);
  const limitTicks = kind === "market" ? null : units.parsePrice(priceText);
  const outsideBand = band !== null && limitTicks !== null && (limitTicks < band.low || limitTicks > band.high);
  const execTicks = kind === "market" ? (bestOpposite ?? units.rawToTicks(mark)) : limitTicks;
  const takes =
    kind === "market" || kind === "ioc" || (kind === "limit" && bestOpposite !== undefined && execTicks !== null && (isBid ? execTicks >= bestOpposite : execTicks <= bestOpposite));

  const preview: OrderPreview | string | null = useMemo(() => {
    if (lots === null || lots === 0n || execTicks === null) return null;
    try {
      return previewOrder(market, account, 0n, { isBid, lots, priceTicks: execTicks, takes }, mark);
    } catch (e) {
      return e instanceof EngineError && e.code === "Math" ? "The order is too large to evaluate" : String(e);
    }
  }, [market, account, isBid, lots, execTicks, takes, mark]);

  /** Sets the size worth `lev` × the account's collateral at the order's price. */
  const applyLeverage = (lev: number) => {
    setLeverage(lev);
    if (!account || execTicks === null || execTicks === 0n) return;
    const perLot = execTicks * units.tickNative;
    const lotsForLev = (account.collateral * BigInt(Math.round(lev * 100))) / 100n / perLot;
    setSizeText(lotsForLev > 0n ? units.formatLots(lotsForLev).replace(/,/g, "") : "");
  };

  const protection = withProtection ? parseProtection(units, takeText, stopText) : null;
  // Checked against the live index only (a stored one may be what a crash left behind).
  const indexTicks = live?.index == null ? null : units.rawToTicks(live.index);
  // Whether the trigger account exists is the margin account's own record.
  const hasTriggerAccount = account?.triggerOrders === 1;
  const protectionProblem =
    protection === null
      ? null
      : hasTriggerAccount && triggers === undefined
        ? "Loading your trigger orders…"
        : entryProtectionRefusal({
            isBid,
            rests: kind === "limit" || kind === "postOnly",
            reduceOnly,
            position: account?.trader.basePosition ?? 0n,
            protection,
            indexTicks,
            freeSlots: freeTriggerSlots(triggers),
            formatTicks: (t) => units.formatTicks(t),
          });

  const invalid = refusal({
    connected: session !== null,
    hasAccount: account !== null,
    sizeText,
    lots,
    lotText: units.formatLots(1n),
    needsPrice: kind !== "market",
    priceOk: limitTicks !== null,
    tickText: units.formatTicks(1n),
    reduceOnly,
    marketReduceOnly: state.reduceOnly,
    marketLabel: state.label,
    newRiskRefused: live?.newRiskRefused ? faultText(live.newRiskRefused) : null,
    preview,
    protection: protectionProblem,
    formatNative: (n) => units.formatNative(n),
  });

  // The TP/SL legs as they would be sent (sized at the order: reduce-only, they close no more
  // than what it fills), shown with their worst prices before signing.
  const guard = protection !== null && typeof protection !== "string" && protectionProblem === null ? protection : null;
  const legs = guard && lots ? protectionTriggers(guard, isBid, lots, units, market.params.tickSize, market.params.quoteLotSize, 0n) : [];

  const submit = () =>
    once(async () => {
      if (invalid || lots === null || !session) return;
      const side = isBid ? "Buy" : "Sell";
      const clientOrderId = BigInt(Date.now());
      // The order and its TP/SL in one transaction: both or neither.
      const ok = await run(
        `${side} ${units.formatLots(lots)} ${kind === "market" ? "at market" : `at ${units.formatTicks(limitTicks!)}`}${guard ? ` · ${describeProtection(guard, units)}` : ""}`,
        async () => [
          ...(await placeOrder(ref_, session.signer, { isBid, kind, priceTicks: kind === "market" ? 0n : limitTicks!, lots, reduceOnly, clientOrderId })),
          ...(guard ? await placeTriggers(ref_, session.signer, legs.map((l) => ({ ...l, clientOrderId })), hasTriggerAccount) : []),
        ],
        // An order that filled nothing leaves its TP/SL with no position: said, so the trader
        // can cancel them (they would act on the next position).
        (signature) =>
          orderOutcome(conn, signature).then((o) => o && describeOutcome(o, units) + (guard && o.filledBaseLots === 0n ? " · the TP/SL wait with no position: cancel them below" : "")),
        symbol,
      );
      if (ok && guard) {
        setTakeText("");
        setStopText("");
        setWithProtection(false);
      }
    });

  const fmtLiq = (p: bigint | null) => (p === null ? "none" : units.formatRawPrice(p));
  return (
    <form
      className="panel order-entry"
      data-testid="order-entry"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="tabs">
        <button type="button" className={isBid ? "buy active" : ""} aria-pressed={isBid} onClick={() => setIsBid(true)} data-testid="side-buy">
          Buy / Long
        </button>
        <button type="button" className={!isBid ? "sell active" : ""} aria-pressed={!isBid} onClick={() => setIsBid(false)} data-testid="side-sell">
          Sell / Short
        </button>
      </div>
      <div className="tabs small">
        {KINDS.map(([k, label]) => (
          <button type="button" key={k} className={kind === k ? "active" : ""} aria-pressed={kind === k} onClick={() => setKind(k)} data-testid={`kind-${k}`}>
            {label}
          </button>
        ))}
      </div>
      <label>
        Price{" "}
        {band && (
          <span className="muted small" data-testid="price-band" title="Orders must be priced inside this band around the oracle and the stable price">
            band {units.formatTicks(band.low)} – {units.formatTicks(band.high)}
          </span>
        )}
        <input
          data-testid="price"
          disabled={kind === "market"}
          placeholder={kind === "market" ? "market" : units.formatRawPrice(mark).replace(/,/g, "")}
          value={kind === "market" ? "" : priceText}
          onChange={(e) => setPriceText(e.target.value)}
          inputMode="decimal"
        />
      </label>
      <label>
        Size
        <input data-testid="size" value={sizeText} onChange={(e) => setSizeText(e.target.value)} inputMode="decimal" placeholder={units.formatLots(1n)} />
      </label>
      <label>
        Leverage {leverage.toFixed(1)}× <span className="muted">(market allows {maxLeverage.toFixed(1)}× now)</span>
        <input
          type="range"
          data-testid="leverage"
          min={0.5}
          max={maxLeverage}
          step={0.5}
          value={Math.min(leverage, maxLeverage)}
          onChange={(e) => applyLeverage(Number(e.target.value))}
        />
      </label>
      <label className="check">
        <input type="checkbox" checked={reduceOnly} onChange={(e) => setReduceOnly(e.target.checked)} data-testid="reduce-only" /> Reduce-only
      </label>
      <label className="check" title="A take-profit and a stop-loss for what this order opens, placed with it: a keeper closes it at market when the index crosses either">
        <input type="checkbox" checked={withProtection} onChange={(e) => setWithProtection(e.target.checked)} data-testid="with-protection" /> TP/SL
      </label>
      {withProtection && (
        <ProtectionFields
          prefix="entry"
          take={takeText}
          stop={stopText}
          onTake={setTakeText}
          onStop={setStopText}
          placeholder={units.formatRawPrice(mark).replace(/,/g, "")}
          legs={legs}
          units={units}
        />
      )}
      <dl className="preview" data-testid="preview">
        {outsideBand && (
          <dd className="error" data-testid="outside-band">
            outside the price band: the program will refuse it
          </dd>
        )}
        {typeof preview === "string" && <dd className="error">{preview}</dd>}
        {protectionProblem && (
          <dd className="error" data-testid="entry-protection-refusal">
            {protectionProblem}
          </dd>
        )}
        {preview && typeof preview !== "string" && (
          <>
            <dt>Notional</dt>
            <dd>{units.formatNative(preview.notional)}</dd>
            <dt>Fee ({takes ? "taker" : "maker"})</dt>
            <dd data-testid="preview-fee">{units.formatNative(preview.fee, 4)}</dd>
            <dt>Initial margin required</dt>
            {reduceOnly ? (
              <dd data-testid="preview-im" className="muted">
                none: reduce-only
              </dd>
            ) : (
              <dd data-testid="preview-im" className={preview.initialMargin > preview.equityAfter ? "error" : ""}>
                {units.formatNative(preview.initialMargin)} <span className="muted">of {units.formatNative(preview.equityAfter)} equity</span>
              </dd>
            )}
            <dt>Liquidation price after fill</dt>
            <dd data-testid="preview-liq">{reduceOnly && (account === null || account.trader.basePosition === 0n) ? "—" : fmtLiq(preview.liquidationPrice)}</dd>
          </>
        )}
      </dl>
      <button type="submit" className={isBid ? "buy" : "sell"} disabled={invalid !== null || pending} data-testid="submit-order" title={invalid ?? ""}>
        {pending ? "Sending…" : (invalid ?? `${isBid ? "Buy" : "Sell"} ${units.formatLots(lots ?? 0n)}`)}
      </button>
    </form>
  );
}
