// The last 24 h of a market from the indexer's hourly candles, refreshed every 30 s (unknown
// while the indexer is down).

import { useState } from "react";
import { usePoll } from "../chain/hooks";
import { useExchange } from "../state";
import { fetchCandles, stats24h } from "./history";

export function useStats24h(market: string): ReturnType<typeof stats24h> {
  const { config } = useExchange();
  const [stats, setStats] = useState<ReturnType<typeof stats24h>>(null);
  usePoll(config.indexerUrl && `${config.indexerUrl} ${market}`, 30_000, (signal) => {
    const now = Math.floor(Date.now() / 1000);
    return fetchCandles(config.indexerUrl!, market, 3600, now - 86_400, signal)
      .then((c) => setStats(stats24h(c, now)))
      .catch(() => !signal.aborted && setStats(null));
  });
  return stats;
}
