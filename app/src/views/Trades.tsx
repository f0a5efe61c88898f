import { useEffect, useState } from "react";
import type { Address } from "@solana/kit";
import { watchBookEvents } from "../chain/events";
import type { MarketUnits } from "../format/units";
import { fetchTrades, type Trade } from "../market/history";
import { useExchange } from "../state";
import { usePoll } from "../chain/hooks";

const SHOWN = 30;
const FILL = 1;
const ASK = 1;

interface Row {
  key: string;
  time: number;
  priceTicks: bigint;
  baseLots: bigint;
  takerSide: "buy" | "sell";
}

/** Recent trades from the indexer; while it is down, the fills in the program's logs since the
 * page opened (the same events the indexer stores). */
export function Trades({ market, units }: { market: Address; units: MarketUnits }) {
  const { config, conn, program } = useExchange();
  const [indexed, setIndexed] = useState<Trade[] | null>(null);
  const [live, setLive] = useState<Row[]>([]);

  usePoll(config.indexerUrl && `${config.indexerUrl} ${market}`, 1000, (signal) =>
    fetchTrades(config.indexerUrl!, market, SHOWN, signal)
      .then(setIndexed)
      .catch(() => !signal.aborted && setIndexed(null)),
  );

  useEffect(() => {
    const abort = new AbortController();
    void watchBookEvents(
      conn,
      program,
      (signature, events) => {
        const fills: Row[] = events
          .map((e, i) => ({ e, key: `${signature}:${i}` }))
          .filter(({ e }) => e.kind === FILL && e.market === market)
          .map(({ e, key }) => ({
            key,
            time: Number(e.timestamp),
            priceTicks: e.priceTicks,
            baseLots: e.baseLots,
            takerSide: e.makerSide === ASK ? "buy" : "sell",
          }));
        if (fills.length > 0) setLive((old) => [...fills.reverse(), ...old].slice(0, SHOWN));
      },
      abort.signal,
    );
    return () => abort.abort();
  }, [conn, program, market]);

  const rows: Row[] =
    indexed?.map((t) => ({
      key: `${t.signature}:${t.index}`,
      time: t.time,
      priceTicks: BigInt(t.priceTicks),
      baseLots: BigInt(t.baseLots),
      takerSide: t.takerSide,
    })) ?? live;
  return (
    <section className="panel trades" data-testid="trades">
      <h3>
        Recent trades <span className="muted">{indexed ? "indexer" : "live (indexer unavailable)"}</span>
      </h3>
      <table>
        <thead>
          <tr>
            <th>Price</th>
            <th>Size</th>
            <th>Time</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-price={r.priceTicks.toString()} data-lots={r.baseLots.toString()}>
              <td className={r.takerSide === "buy" ? "up" : "down"}>{units.formatTicks(r.priceTicks)}</td>
              <td>{units.formatLots(r.baseLots)}</td>
              <td className="muted">{new Date(r.time * 1000).toLocaleTimeString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
