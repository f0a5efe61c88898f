import type { Address } from "@solana/kit";
import type { MarketUnits } from "../format/units";
import { fetchFunding } from "../market/history";
import { HistoryPanel } from "./HistoryPanel";
import { useAccountHistory } from "./useHistory";

/** The funding the trader's account paid or received in this market (from the indexer). Funding
 * settles into an account lazily — when it trades, withdraws, is liquidated or closes — so one
 * row may cover several intervals. */
export function MyFunding({ market, account, units }: { market: Address; account: Address | null; units: MarketUnits }) {
  const { rows, source } = useAccountHistory("funding", market, account, fetchFunding);
  if (!account) return null;
  return (
    <HistoryPanel title="Funding payments" testId="my-funding" source={source} headers={["Settled", "Position", "Paid / received"]} empty={rows.length === 0 ? "No funding settled yet" : null}>
      {rows.map((p) => (
        <tr key={`${p.signature}:${p.index}`} data-testid="funding-payment" data-amount={p.amount}>
          <td>{new Date(p.time * 1000).toLocaleTimeString()}</td>
          <td className={p.baseLots > 0 ? "up" : "down"}>
            {p.baseLots > 0 ? "Long " : "Short "}
            {units.formatLots(BigInt(Math.abs(p.baseLots)))}
          </td>
          <td className={p.amount > 0 ? "down" : "up"}>{p.amount > 0 ? `paid ${units.formatNative(BigInt(p.amount))}` : `received ${units.formatNative(BigInt(-p.amount))}`}</td>
        </tr>
      ))}
    </HistoryPanel>
  );
}
