import { useEffect, useState } from "react";
import type { Address } from "@solana/kit";
import { getEventQueueAccountDecoder, type EventQueueAccount } from "../generated";
import { useAccount } from "../chain/hooks";
import type { MarketUnits } from "../format/units";
import { fetchTrades, type Trade } from "../market/history";
import { useExchange } from "../state";

const SHOWN = 30;
const FILL = 1;
const ASK = 1;
const queueDecoder = getEventQueueAccountDecoder();
const decodeQueue = (a: { data: Parameters<typeof queueDecoder.decode>[0] }) => queueDecoder.decode(a.data);

interface Row {
  key: string;
  time: number;
  priceTicks: bigint;
  baseLots: bigint;
  takerSide: "buy" | "sell";
}

/** Fills in the event queue (the ring of not yet consumed events), newest first. */
function queueFills(q: EventQueueAccount): Row[] {
  const { head, len, events } = q.queue;
  const out: Row[] = [];
  for (let i = 0; i < len; i++) {
    const e = events[(head + i) % events.length];
    if (!e || e.kind !== FILL) continue;
    out.push({ key: `q${e.seq}`, time: Number(e.timestamp), priceTicks: e.price, baseLots: e.baseLots, takerSide: e.makerSide === ASK ? "buy" : "sell" });
  }
  return out.reverse();
}

/** Recent trades from the indexer; while it is down, the fills seen live in the event queue
 * since the page opened (the keeper consumes them within seconds, so each is caught once). */
export function Trades({ market, eventQueue, units }: { market: Address; eventQueue: Address; units: MarketUnits }) {
  const { config, conn } = useExchange();
  const [indexed, setIndexed] = useState<Trade[] | null>(null);
  const [live, setLive] = useState<Row[]>([]);
  const queue = useAccount(conn, eventQueue, decodeQueue);

  useEffect(() => {
    if (!config.indexerUrl) return;
    const indexer = config.indexerUrl;
    const abort = new AbortController();
    const load = () =>
      fetchTrades(indexer, market, SHOWN, abort.signal)
        .then(setIndexed)
        .catch(() => !abort.signal.aborted && setIndexed(null));
    void load();
    const t = setInterval(load, 1000);
    return () => {
      clearInterval(t);
      abort.abort();
    };
  }, [config.indexerUrl, market]);

  useEffect(() => {
    if (!queue.value) return;
    const fresh = queueFills(queue.value);
    setLive((old) => {
      const seen = new Set(old.map((r) => r.key));
      return [...fresh.filter((r) => !seen.has(r.key)), ...old].slice(0, SHOWN);
    });
  }, [queue.value]);

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
