import type { Book as Levels, Level } from "../chain/book";
import type { MarketUnits } from "../format/units";
import type { Decoded } from "../chain/hooks";

/** Price levels a side the book shows. */
export const DEPTH = 12;

/** The live depth book: the best levels a side, the trader's own levels marked. It re-renders
 * on every change of the book account (a PubSub notification). */
export function Book({ book, levels, units, mine }: { book: Decoded<Uint8Array>; levels: Levels; units: MarketUnits; mine: Set<bigint> }) {
  const { bids, asks } = levels;
  const maxLots = [...bids, ...asks].reduce((m, l) => (l.baseLots > m ? l.baseLots : m), 1n);
  const row = (side: "bid" | "ask") => (l: Level) => (
    <tr key={`${side}${l.priceTicks}`} className={`${side}${mine.has(l.priceTicks) ? " mine" : ""}`} data-side={side} data-price={l.priceTicks.toString()}>
      <td className={side === "bid" ? "up" : "down"}>{units.formatTicks(l.priceTicks)}</td>
      <td>{units.formatLots(l.baseLots)}</td>
      <td className="bar">
        <span style={{ width: `${Number((l.baseLots * 100n) / maxLots)}%` }} />
      </td>
    </tr>
  );
  const spread = bids[0] && asks[0] ? asks[0].priceTicks - bids[0].priceTicks : null;
  return (
    <section className="panel book" data-testid="book" data-slot={book.slot.toString()}>
      <h3>Order book</h3>
      {book.value === undefined && <p className="muted">loading…</p>}
      <table>
        <thead>
          <tr>
            <th>Price</th>
            <th>Size</th>
            <th />
          </tr>
        </thead>
        <tbody>{[...asks].reverse().map(row("ask"))}</tbody>
        <tbody>
          <tr className="spread">
            <td colSpan={3} className="muted">
              {spread === null ? "—" : `spread ${units.formatTicks(spread)}`}
            </td>
          </tr>
        </tbody>
        <tbody>{bids.map(row("bid"))}</tbody>
      </table>
    </section>
  );
}
