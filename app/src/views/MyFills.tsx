import type { Address } from "@solana/kit";
import type { MarketUnits } from "../format/units";
import { fetchFills, ownFill } from "../market/history";
import { useAccountHistory } from "./useHistory";

/** The trader's own fills in this market (from the indexer), each with the side it traded and
 * whether it rested or took. */
export function MyFills({ market, account, units }: { market: Address; account: Address | null; units: MarketUnits }) {
  const { rows: fills, source } = useAccountHistory("fills", market, account, fetchFills);
  if (!account) return null;
  return (
    <section className="panel my-fills" data-testid="my-fills">
      <h3>
        My fills <span className="muted small">{source}</span>
      </h3>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th>Time</th>
              <th>Side</th>
              <th>Price</th>
              <th>Size</th>
              <th>Role</th>
            </tr>
          </thead>
          <tbody>
            {fills.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  No fills yet
                </td>
              </tr>
            )}
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
          </tbody>
        </table>
      </div>
    </section>
  );
}
