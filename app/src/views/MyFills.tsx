import type { Address } from "@solana/kit";
import type { MarketUnits } from "../format/units";
import { fetchFills, ownFill } from "../market/history";
import { HistoryPanel } from "./HistoryPanel";
import { useAccountHistory } from "./useHistory";

/** The trader's own fills in this market (from the indexer), each with the side it traded and
 * whether it rested or took. */
export function MyFills({ market, account, units }: { market: Address; account: Address | null; units: MarketUnits }) {
  const { rows: fills, source } = useAccountHistory("fills", market, account, fetchFills);
  if (!account) return null;
  return (
    <HistoryPanel title="My fills" testId="my-fills" source={source} headers={["Time", "Side", "Price", "Size", "Role"]} empty={fills.length === 0 ? "No fills yet" : null}>
      {fills.map((t) => {
        const own = ownFill(t, account);
        return (
          <tr key={`${t.signature}:${t.index}`} data-testid="my-fill" data-lots={t.baseLots}>
            <td>{new Date(t.time * 1000).toLocaleTimeString()}</td>
            <td className={own.side === "buy" ? "up" : "down"}>{own.side === "buy" ? "Buy" : "Sell"}</td>
            <td>{units.formatTicks(BigInt(t.priceTicks))}</td>
            <td>{units.formatLots(BigInt(t.baseLots))}</td>
            <td className="muted">{own.role}</td>
          </tr>
        );
      })}
    </HistoryPanel>
  );
}
