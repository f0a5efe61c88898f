// Notices of what keepers do to the trader's triggers: a stop-loss or take-profit that fired, or
// one removed without firing (expired, nothing left to reduce, its order refused for margin,
// a liquidation). Read live from the logs of every transaction that mentions the trader's margin
// account in this market, as the program's own events say it (`TriggerExecuted`,
// `TriggerRemoved`), while this market's trade view is open.

import { useEffect, useRef } from "react";
import type { Address } from "@solana/kit";
import type { TriggerOrder, TriggerOrders } from "../generated";
import type { MarketUnits } from "../format/units";
import { triggerEvents, watchLogs } from "../chain/events";
import { marginAccountAddress } from "../market/actions";
import { activeTriggers, triggerNotice } from "../market/triggers";
import { useExchange } from "../state";

export function useTriggerNotices(market: Address, triggers: TriggerOrders | null | undefined, units: MarketUnits | null | undefined, symbol: string) {
  const { conn, program, session, announce } = useExchange();
  // Each trigger as last seen (the events carry its id only), kept across refreshes: the list
  // no longer holds a trigger by the time its event arrives.
  const seenTriggers = useRef(new Map<bigint, TriggerOrder>());
  for (const t of activeTriggers(triggers)) seenTriggers.current.set(t.id, t);
  const format = useRef(units);
  format.current = units;
  const owner = session?.owner;

  useEffect(() => {
    if (!owner) return;
    const abort = new AbortController();
    void (async () => {
      const account = await marginAccountAddress(program, market, owner);
      const seen = new Set<string>();
      await watchLogs(
        conn,
        account,
        (signature, logs) => {
          const { executed, removed } = triggerEvents(logs);
          const mine = [...executed.map((e) => ({ executed: e })), ...removed.map((e) => ({ removed: e }))].filter((e) => {
            const event = "executed" in e ? e.executed : e.removed;
            return event.marginAccount === account && event.market === market;
          });
          // A notification repeated after a resubscription is told once (only transactions with
          // something to tell are remembered: anyone may mention the account).
          if (mine.length === 0 || seen.has(signature)) return;
          seen.add(signature);
          for (const e of mine) {
            const id = "executed" in e ? e.executed.triggerId : e.removed.triggerId;
            const lots = (l: bigint) => format.current?.formatLots(l) ?? `${l} lots`;
            const notice = triggerNotice(e, seenTriggers.current.get(id) ?? null, lots);
            if (notice) announce(notice.kind, notice.text, symbol, signature);
          }
        },
        abort.signal,
      );
    })();
    return () => abort.abort();
  }, [conn, program, market, owner, announce, symbol]);
}
