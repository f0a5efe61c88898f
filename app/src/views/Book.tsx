import { useState } from "react";
import type { Book as Levels, Level } from "../chain/book";
import type { MarketUnits } from "../format/units";
import type { Decoded } from "../chain/hooks";

/** Depth choices (price levels a side); the engine walks at most 170 a side per call. */
export const DEPTHS = [12, 25, 50, 100] as const;
/** Levels a side walked by default; the trade view walks the deepest choice once. */
export const DEPTH: number = DEPTHS[DEPTHS.length - 1]!;

/** Each level with the size from the best price to it (what a sweep to it would take). */
export function withCumulative(levels: Level[]): (Level & { cumulative: bigint })[] {
  let sum = 0n;
  return levels.map((l) => ({ ...l, cumulative: (sum += l.baseLots) }));
}

/** The live depth book: the best levels a side with their cumulative size, the trader's own
 * levels marked; a click on a level puts its price in order entry. It re-renders on every change
 * of the book account (a PubSub notification); `stale` marks it when the market's prices are. */
export function Book({
  book,
  levels,
  units,
  mine,
  stale,
  onPick,
}: {
  book: Decoded<Uint8Array>;
  levels: Levels;
  units: MarketUnits;
  mine: Set<bigint>;
  stale: boolean;
  onPick: (priceTicks: bigint) => void;
}) {
  const [depth, setDepth] = useState<number>(DEPTHS[0]);
  const bids = withCumulative(levels.bids.slice(0, depth));
  const asks = withCumulative(levels.asks.slice(0, depth));
  const maxCum = [bids.at(-1)?.cumulative ?? 0n, asks.at(-1)?.cumulative ?? 0n].reduce((m, c) => (c > m ? c : m), 1n);
  const row = (side: "bid" | "ask") => (l: Level & { cumulative: bigint }) => (
    <tr
      key={`${side}${l.priceTicks}`}
      className={`${side}${mine.has(l.priceTicks) ? " mine" : ""} pick`}
      data-side={side}
      data-price={l.priceTicks.toString()}
      onClick={() => onPick(l.priceTicks)}
      title="Use this price"
    >
      <td className={side === "bid" ? "up" : "down"}>{units.formatTicks(l.priceTicks)}</td>
      <td>{units.formatLots(l.baseLots)}</td>
      <td className="muted">{units.formatLots(l.cumulative)}</td>
      <td className="bar">
        <span style={{ width: `${Number((l.cumulative * 100n) / maxCum)}%` }} />
      </td>
    </tr>
  );
  const spread = bids[0] && asks[0] ? asks[0].priceTicks - bids[0].priceTicks : null;
  return (
    <section className="panel book" data-testid="book" data-slot={book.slot.toString()} data-stale={stale}>
      <h3>
        Order book
        {stale && <span className="error small">stale: the market's prices have not moved for over a minute</span>}
        <select value={depth} onChange={(e) => setDepth(Number(e.target.value))} aria-label="Levels a side" data-testid="book-depth">
          {DEPTHS.map((d) => (
            <option key={d} value={d}>
              {d} levels
            </option>
          ))}
        </select>
      </h3>
      {book.value === undefined && <p className="muted">loading…</p>}
      <div className="book-scroll">
        <table>
          <thead>
            <tr>
              <th>Price</th>
              <th>Size</th>
              <th>Total</th>
              <th />
            </tr>
          </thead>
          <tbody>{[...asks].reverse().map(row("ask"))}</tbody>
          <tbody>
            <tr className="spread">
              <td colSpan={4} className="muted">
                {spread === null ? "—" : `spread ${units.formatTicks(spread)}`}
              </td>
            </tr>
          </tbody>
          <tbody>{bids.map(row("bid"))}</tbody>
        </table>
      </div>
    </section>
  );
}
