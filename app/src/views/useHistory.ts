// The trader's own history in one market from the indexer: polled while an account is known,
// filtered to the market, with a word on where it comes from.

import { useState } from "react";
import type { Address } from "@solana/kit";
import { usePoll } from "../chain/hooks";
import { useExchange } from "../state";

/** Rows the history panels show. */
export const HISTORY_ROWS = 20;

export function useAccountHistory<T extends { market: string }>(
  what: string,
  market: Address,
  account: Address | null,
  fetch: (indexer: string, account: string, limit: number, signal: AbortSignal) => Promise<T[]>,
): { rows: T[]; source: string } {
  const { config } = useExchange();
  const [rows, setRows] = useState<T[] | null>(null);
  usePoll(config.indexerUrl && account && `${config.indexerUrl} ${what} ${account}`, 3000, (signal) =>
    fetch(config.indexerUrl!, account!, HISTORY_ROWS, signal)
      .then((r) => setRows(r.filter((x) => x.market === market)))
      .catch(() => !signal.aborted && setRows(null)),
  );
  const source = config.indexerUrl ? (rows === null ? "indexer unavailable" : "indexer") : "needs the indexer";
  return { rows: rows ?? [], source };
}
