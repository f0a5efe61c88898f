import type { MarginAccount, Market } from "../generated";
import { OrderSide } from "../generated";
import type { MarketUnits } from "../format/units";
import { cancelAll, cancelOrder, placeOrder, type MarketRef } from "../market/actions";
import type { AccountRisk } from "../market/risk";
import { markPrice } from "../market/risk";
import { useExchange } from "../state";
import { openOrders } from "../market/useMarket";

const abs = (a: bigint) => (a < 0n ? -a : a);

export function Positions({ ref_, market, units, risk, symbol }: { ref_: MarketRef; market: Market; units: MarketUnits; risk: AccountRisk | null; symbol: string }) {
  const { session, run } = useExchange();
  const has = risk !== null && risk.positionLots !== 0n;
  const close = () => {
    if (!session || !risk) return;
    const lots = abs(risk.positionLots);
    void run(`Close ${units.formatLots(lots)} ${symbol}`, () =>
      placeOrder(ref_, session.signer, { isBid: risk.positionLots < 0n, kind: "market", priceTicks: 0n, lots, reduceOnly: true, clientOrderId: BigInt(Date.now()) }),
    );
  };
  return (
    <section className="panel positions" data-testid="positions">
      <h3>Position</h3>
      <table>
        <thead>
          <tr>
            <th>Market</th>
            <th>Size</th>
            <th>Entry</th>
            <th>Mark</th>
            <th>Unrealised PnL</th>
            <th>Margin ratio</th>
            <th>Liq. price</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {has ? (
            <tr data-testid="position-row" data-lots={risk.positionLots.toString()}>
              <td>{symbol}</td>
              <td className={risk.positionLots > 0n ? "up" : "down"}>
                {risk.positionLots > 0n ? "Long " : "Short "}
                {units.formatLots(abs(risk.positionLots))}
              </td>
              <td>{risk.entryPrice === null ? "—" : units.formatRawPrice(risk.entryPrice)}</td>
              <td>{units.formatRawPrice(markPrice(market))}</td>
              <td className={risk.unrealisedPnl >= 0n ? "up" : "down"}>{units.formatNative(risk.unrealisedPnl)}</td>
              <td>{risk.marginRatioBps === null ? "—" : risk.marginRatioBps > 1_000_000n ? "> 10,000%" : `${(Number(risk.marginRatioBps) / 100).toFixed(2)}%`}</td>
              <td data-testid="position-liq">{risk.liquidationPrice === null ? "none" : units.formatRawPrice(risk.liquidationPrice)}</td>
              <td>
                <button onClick={close} data-testid="close-position">
                  Close
                </button>
              </td>
            </tr>
          ) : (
            <tr>
              <td colSpan={8} className="muted">
                No open position
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}

export function OpenOrders({ ref_, units, account }: { ref_: MarketRef; units: MarketUnits; account: MarginAccount | null | undefined }) {
  const { session, run } = useExchange();
  const orders = account ? openOrders(account) : [];
  const id = (parts: bigint[]) => (parts[0]! << 64n) | parts[1]!;
  return (
    <section className="panel open-orders" data-testid="open-orders">
      <h3>
        Open orders
        {orders.length > 0 && session && (
          <button className="link" data-testid="cancel-all" onClick={() => void run("Cancel all orders", () => cancelAll(ref_, session.signer))}>
            Cancel all
          </button>
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
                {session && (
                  <button
                    data-testid="cancel-order"
                    onClick={() => void run(`Cancel order at ${units.formatTicks(o.price)}`, () => cancelOrder(ref_, session.signer, id(o.orderId)))}
                  >
                    Cancel
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
