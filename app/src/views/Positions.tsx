import { useState } from "react";
import type { MarginAccount, Market, TriggerOrders } from "../generated";
import { OrderSide } from "../generated";
import type { MarketUnits } from "../format/units";
import { cancelAll, cancelOrder, closePosition, type MarketRef } from "../market/actions";
import { bandTicks } from "../market/band";
import { CLOSE_SLIPPAGE_BPS, DEFAULT_CLOSE_SLIPPAGE_BPS, closePlan, closeReference } from "../market/close";
import { orderOutcome } from "../chain/events";
import { describeOutcome } from "./OrderEntry";
import type { AccountRisk } from "../market/risk";
import { PRICE_SCALE } from "../math/engine";
import { useExchange, usePending } from "../state";
import { openOrders } from "../market/useMarket";
import { activeTriggers } from "../market/triggers";
import { SendButton } from "./SendButton";
import type { LiveIndex } from "../market/oracles";

const abs = (a: bigint) => (a < 0n ? -a : a);

/** `part` as a percentage of `whole`, two decimals ("—" without a base). */
export function percentOf(part: bigint, whole: bigint): string {
  if (whole === 0n) return "—";
  const bp = (part * 10_000n) / whole;
  const sign = bp < 0n ? "-" : "";
  const a = abs(bp);
  return `${sign}${a / 100n}.${(a % 100n).toString().padStart(2, "0")}%`;
}

export function Positions({
  ref_,
  market,
  account,
  units,
  risk,
  symbol,
  live,
  stale,
  triggers,
}: {
  ref_: MarketRef;
  market: Market;
  account: MarginAccount | null | undefined;
  /** The account's trigger orders (a market close cancels them). */
  triggers: TriggerOrders | null | undefined;
  units: MarketUnits;
  risk: AccountRisk | null;
  symbol: string;
  /** The oracle accounts as they read now (the index, the sources for the band). */
  live: LiveIndex | null;
  /** No live index, and the stored one is stale: the slippage is measured from an old price. */
  stale: boolean;
}) {
  const { session, run, conn } = useExchange();
  const [slippage, setSlippage] = useState<number>(DEFAULT_CLOSE_SLIPPAGE_BPS);
  const [limitText, setLimitText] = useState("");
  const limitTicks = limitText.trim() === "" ? null : units.parsePrice(limitText);
  const [closing, once] = usePending();
  // The position shows (with its Close) whenever the account holds one, even if its valuation
  // failed: getting out must not depend on the numbers beside it.
  const position = account?.trader.basePosition ?? 0n;
  const has = position !== 0n;
  const badLimit = limitText.trim() !== "" && limitTicks === null;
  const reference = closeReference(market, live?.index ?? null);
  const plan = account && !badLimit ? closePlan(reference, account, market.params, slippage, limitTicks, bandTicks(market, units.tickNative, live?.sources ?? [])) : null;
  // A market close takes the position's TP/SL with it (they would act on the next position); a
  // limit close, which may rest, leaves them protecting what it has not closed yet.
  const triggerCount = activeTriggers(triggers).length;
  const dropTriggers = plan?.kind === "market" && account?.triggerOrders === 1 && triggerCount > 0;
  const close = () =>
    once(async () => {
      if (!session || !plan) return;
      const cancels = plan.cancelFirst > 0 ? ` (cancels ${plan.cancelFirst} resting ${plan.isBid ? "buy" : "sell"} order${plan.cancelFirst > 1 ? "s" : ""} first)` : "";
      const edge = plan.atBandEdge ? " (the price band's edge)" : "";
      const tpsl = dropTriggers ? ` (cancels ${triggerCount} TP/SL)` : "";
      await run(
        `Close ${units.formatLots(plan.lots)} ${plan.kind === "limit" ? "at" : "at worst"} ${units.formatTicks(plan.worstTicks)}${edge}${cancels}${tpsl}`,
        () => closePosition(ref_, session.signer, plan, BigInt(Date.now()), dropTriggers),
        // What filled: a market close takes only what the book has within its limit.
        (signature) => orderOutcome(conn, signature).then((o) => o && describeOutcome(o, units)),
        symbol,
      );
    });
  // Entry cost of the position, for PnL %: |entry price × lots| in native units.
  const cost = risk && risk.entryPrice !== null ? (risk.entryPrice * abs(risk.positionLots)) / PRICE_SCALE : 0n;
  const realised = account ? account.trader.realisedPnl * market.params.quoteLotSize : 0n;
  return (
    <section className="panel positions" data-testid="positions">
      <h3>
        Position
        <span className="muted small"> · collateral is per market: this one's only</span>
      </h3>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th>Market</th>
              <th>Size</th>
              <th>Entry</th>
              <th title="The agreed oracle index: what positions are valued at here">Index</th>
              <th>Unrealised PnL</th>
              <th>Realised PnL</th>
              <th title="Maintenance margin over equity: liquidation at 100%">Margin ratio</th>
              <th>Liq. price</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {has ? (
              <tr data-testid="position-row" data-lots={position.toString()}>
                <td>{symbol}</td>
                <td className={position > 0n ? "up" : "down"}>
                  {position > 0n ? "Long " : "Short "}
                  {units.formatLots(abs(position))}
                </td>
                <td>{risk?.entryPrice == null ? "—" : units.formatRawPrice(risk.entryPrice)}</td>
                <td data-testid="position-index">
                  {units.formatRawPrice(reference)}
                  {stale && <span className="error small"> stale</span>}
                </td>
                <td className={(risk?.unrealisedPnl ?? 0n) >= 0n ? "up" : "down"} data-testid="position-pnl">
                  {risk ? units.formatNative(risk.unrealisedPnl) : "—"} <span className="muted">{risk ? percentOf(risk.unrealisedPnl, cost) : ""}</span>
                </td>
                <td className={realised >= 0n ? "up" : "down"} data-testid="position-realised">
                  {units.formatNative(realised)}
                </td>
                <td>{!risk || risk.marginRatioBps === null ? "—" : risk.marginRatioBps > 1_000_000n ? "> 10,000%" : `${(Number(risk.marginRatioBps) / 100).toFixed(2)}%`}</td>
                <td data-testid="position-liq">{!risk ? "—" : risk.liquidationPrice === null ? "none" : units.formatRawPrice(risk.liquidationPrice)}</td>
                <td className="close-cell">
                  <label className="inline" title="The worst price the market close accepts, from the index">
                    slippage{" "}
                    <select value={slippage} onChange={(e) => setSlippage(Number(e.target.value))} data-testid="close-slippage" aria-label="Close slippage">
                      {CLOSE_SLIPPAGE_BPS.map((b) => (
                        <option key={b} value={b}>
                          {b / 100}%
                        </option>
                      ))}
                    </select>
                  </label>
                  <input
                    className="close-limit"
                    aria-label="Close at a limit price (empty: at market)"
                    placeholder="market"
                    value={limitText}
                    onChange={(e) => setLimitText(e.target.value)}
                    inputMode="decimal"
                    data-testid="close-limit"
                    title={badLimit ? `Price must be a multiple of ${units.formatTicks(1n)}` : "Empty: close at market within the slippage"}
                  />
                  <button onClick={() => void close()} disabled={!session || !plan || closing} data-testid="close-position">
                    {closing ? "Closing…" : limitTicks !== null && !badLimit ? "Close at limit" : "Close"}
                  </button>
                </td>
              </tr>
            ) : (
              <tr>
                <td colSpan={9} className="muted">
                  No open position
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function OpenOrders({ ref_, units, account, symbol }: { ref_: MarketRef; units: MarketUnits; account: MarginAccount | null | undefined; symbol: string }) {
  // One cancel at a time: a double-click would send a second that fails.
  const cancelling = usePending();
  const orders = account ? openOrders(account) : [];
  const id = (parts: bigint[]) => (parts[0]! << 64n) | parts[1]!;
  return (
    <section className="panel open-orders" data-testid="open-orders">
      <h3>
        Open orders
        {orders.length > 0 && (
          <SendButton className="link" testId="cancel-all" what="Cancel all orders" build={(signer) => cancelAll(ref_, signer)} pending={cancelling} symbol={symbol}>
            Cancel all
          </SendButton>
        )}
      </h3>
      <table>
        <thead>
          <tr>
            <th>Side</th>
            <th>Price</th>
            <th>Size</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {orders.length === 0 && (
            <tr>
              <td colSpan={4} className="muted">
                No open orders
              </td>
            </tr>
          )}
          {orders.map((o) => (
            <tr key={id(o.orderId).toString()} data-testid="open-order" data-price={o.price.toString()}>
              <td className={o.side === OrderSide.Bid ? "up" : "down"}>{o.side === OrderSide.Bid ? "Buy" : "Sell"}</td>
              <td>{units.formatTicks(o.price)}</td>
              <td>{units.formatLots(o.baseLots)}</td>
              <td>
                <SendButton testId="cancel-order" what={`Cancel order at ${units.formatTicks(o.price)}`} build={(signer) => cancelOrder(ref_, signer, id(o.orderId))} pending={cancelling} symbol={symbol}>
                  Cancel
                </SendButton>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
