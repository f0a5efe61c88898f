import { useMemo, useState } from "react";
import type { MarginAccount, Market, OrderPlaced } from "../generated";
import type { Book } from "../chain/book";
import type { MarketUnits } from "../format/units";
import { BPS, EngineError } from "../math/engine";
import { placeOrder, type MarketRef, type OrderKind } from "../market/actions";
import { markPrice, previewOrder, type OrderPreview } from "../market/risk";
import { useExchange } from "../state";
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
}

/** Order entry: side, type, price, size or leverage, reduce-only; shows the margin the order
 * needs, its fee and the liquidation price it leaves before the trader signs. */
export function OrderEntry({ ref_, market, units, account, top }: Props) {
  const { session, run, conn } = useExchange();
  const [isBid, setIsBid] = useState(true);
  const [kind, setKind] = useState<OrderKind>("limit");
  const [priceText, setPriceText] = useState("");
  const [sizeText, setSizeText] = useState("");
  const [reduceOnly, setReduceOnly] = useState(false);
  const maxLeverage = Number(BPS) / market.params.initialMarginBps;
  const [leverage, setLeverage] = useState(1);

  const mark = markPrice(market);
  const bestOpposite = isBid ? top.asks[0]?.priceTicks : top.bids[0]?.priceTicks;
  const lots = units.parseSize(sizeText);
  const limitTicks = kind === "market" ? null : units.parsePrice(priceText);
  const execTicks = kind === "market" ? (bestOpposite ?? units.rawToTicks(mark)) : limitTicks;
  const takes =
    kind === "market" || kind === "ioc" || (kind === "limit" && bestOpposite !== undefined && execTicks !== null && (isBid ? execTicks >= bestOpposite : execTicks <= bestOpposite));

  const preview: OrderPreview | string | null = useMemo(() => {
    if (lots === null || execTicks === null) return null;
    try {
      return previewOrder(market, account, 0n, { isBid, lots, priceTicks: execTicks, takes }, mark);
    } catch (e) {
      return e instanceof EngineError && e.code === "Math" ? "the order is too large to evaluate" : String(e);
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

  const invalid =
    !session
      ? "Connect a wallet to trade"
      : !account
        ? "Deposit collateral first"
        : lots === null
          ? `Size must be a multiple of ${units.formatLots(1n)}`
          : kind !== "market" && limitTicks === null
            ? `Price must be a multiple of ${units.formatTicks(1n)}`
            : null;

  const submit = async () => {
    if (invalid || lots === null || !session) return;
    const side = isBid ? "Buy" : "Sell";
    await run(`${side} ${units.formatLots(lots)} ${kind === "market" ? "at market" : `at ${units.formatTicks(limitTicks!)}`}`, () =>
      placeOrder(ref_, session.signer, {
        isBid,
        kind,
        priceTicks: kind === "market" ? 0n : limitTicks!,
        lots,
        reduceOnly,
        clientOrderId: BigInt(Date.now()),
      }),
      (signature) => orderOutcome(conn, signature).then((o) => o && describeOutcome(o, units)),
    );
  };

  const fmtLiq = (p: bigint | null) => (p === null ? "none" : units.formatRawPrice(p));
  return (
    <section className="panel order-entry" data-testid="order-entry">
      <div className="tabs">
        <button className={isBid ? "buy active" : ""} onClick={() => setIsBid(true)} data-testid="side-buy">
          Buy / Long
        </button>
        <button className={!isBid ? "sell active" : ""} onClick={() => setIsBid(false)} data-testid="side-sell">
          Sell / Short
        </button>
      </div>
      <div className="tabs small">
        {KINDS.map(([k, label]) => (
          <button key={k} className={kind === k ? "active" : ""} onClick={() => setKind(k)} data-testid={`kind-${k}`}>
            {label}
          </button>
        ))}
      </div>
      <label>
        Price
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
        Leverage {leverage.toFixed(1)}×
        <input type="range" min={0.5} max={maxLeverage} step={0.5} value={leverage} onChange={(e) => applyLeverage(Number(e.target.value))} />
      </label>
      <label className="check">
        <input type="checkbox" checked={reduceOnly} onChange={(e) => setReduceOnly(e.target.checked)} /> Reduce-only
      </label>
      <dl className="preview" data-testid="preview">
        {typeof preview === "string" && <dd className="error">{preview}</dd>}
        {preview && typeof preview !== "string" && (
          <>
            <dt>Notional</dt>
            <dd>{units.formatNative(preview.notional)}</dd>
            <dt>Fee ({takes ? "taker" : "maker"})</dt>
            <dd data-testid="preview-fee">{units.formatNative(preview.fee, 4)}</dd>
            <dt>Initial margin required</dt>
            <dd data-testid="preview-im" className={preview.initialMargin > preview.equityAfter ? "error" : ""}>
              {units.formatNative(preview.initialMargin)} <span className="muted">of {units.formatNative(preview.equityAfter)} equity</span>
            </dd>
            <dt>Liquidation price after fill</dt>
            <dd data-testid="preview-liq">{fmtLiq(preview.liquidationPrice)}</dd>
          </>
        )}
      </dl>
      <button className={isBid ? "buy" : "sell"} disabled={invalid !== null} onClick={() => void submit()} data-testid="submit-order" title={invalid ?? ""}>
        {invalid ?? `${isBid ? "Buy" : "Sell"} ${units.formatLots(lots ?? 0n)}`}
      </button>
    </section>
  );
}
