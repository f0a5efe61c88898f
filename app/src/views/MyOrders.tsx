import type { Address } from "@solana/kit";
import type { MarketUnits } from "../format/units";
import { fetchOrders, orderStatus } from "../market/history";
import { HistoryPanel } from "./HistoryPanel";
import { useAccountHistory } from "./useHistory";
const TYPES: Record<string, string> = { limit: "Limit", postOnly: "Post-only", postOnlySlide: "Post-only slide", ioc: "IOC", fok: "FOK", market: "Market" };

/** The trader's order history in this market (from the indexer): what was asked and what
 * became of it when placed. */
export function MyOrders({ market, account, units }: { market: Address; account: Address | null; units: MarketUnits }) {
  const { rows: orders, source } = useAccountHistory("orders", market, account, fetchOrders);
  if (!account) return null;
  return (
    <HistoryPanel title="Order history" testId="my-orders" source={source} headers={["Time", "Side", "Type", "Price", "Size", "Outcome"]} empty={orders.length === 0 ? "No orders yet" : null}>
      {orders.map((o) => (
        <tr key={`${o.signature}:${o.index}`} data-testid="my-order" data-side={o.side} data-lots={o.baseLots}>
          <td>{new Date(o.time * 1000).toLocaleTimeString()}</td>
          <td className={o.side === "buy" ? "up" : "down"}>
            {o.side === "buy" ? "Buy" : "Sell"}
            {o.reduceOnly && <span className="muted small"> reduce-only</span>}
          </td>
          <td>{TYPES[o.orderType] ?? o.orderType}</td>
          <td>{o.limitTicks === 0 ? "market" : units.formatTicks(BigInt(o.priceTicks))}</td>
          <td>{units.formatLots(BigInt(o.baseLots))}</td>
          <td className="muted">{orderStatus(o, (l) => units.formatLots(l))}</td>
        </tr>
      ))}
    </HistoryPanel>
  );
}
