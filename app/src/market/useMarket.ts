// Everything the trade view reads about one market, live: the market, its book, and the
// connected trader's margin account and quote tokens.

import { useEffect, useMemo, useState } from "react";
import type { Address } from "@solana/kit";
import {
  type MarginAccount,
  type OpenOrder,
  getMarginAccountDecoder,
  getMarginAccountDiscriminatorBytes,
  getMarketDecoder,
  getMarketDiscriminatorBytes,
  getOrderBookAccountDiscriminatorBytes,
  getTriggerOrdersDecoder,
  getTriggerOrdersDiscriminatorBytes,
} from "../generated";
import type { MarketConfig } from "../config";
import { typed, useAccount } from "../chain/hooks";
import { associatedTokenAddress, useTokenBalance } from "../chain/tokens";
import { MarketUnits } from "../format/units";
import { useExchange } from "../state";
import { marginAccountAddress, triggerOrdersAddress, type MarketRef } from "./actions";

const decodeMarketData = typed(getMarketDecoder(), getMarketDiscriminatorBytes());
// The book stays raw bytes: the engine walks them itself (`chain/book.ts`), and decoding a 1 MB
// account into objects on every change would cost more than the walk.
const decodeBookData = typed({ decode: (data) => data as Uint8Array }, getOrderBookAccountDiscriminatorBytes());
const decodeMarginData = typed(getMarginAccountDecoder(), getMarginAccountDiscriminatorBytes());
const decodeTriggerData = typed(getTriggerOrdersDecoder(), getTriggerOrdersDiscriminatorBytes());

export function useMarketAccount(address: Address) {
  const { conn } = useExchange();
  return useAccount(conn, address, decodeMarketData);
}

export function unitsOf(m: { params: { baseLotSize: bigint; quoteLotSize: bigint; tickSize: bigint; baseDecimals: number }; quoteDecimals: number }) {
  return new MarketUnits({ ...m.params, quoteDecimals: m.quoteDecimals });
}

/** The connected owner's margin account in `market` (watched; undefined without a session),
 * and its address. */
export function useOwnMarginAccount(market: Address) {
  const { conn, program, session } = useExchange();
  const [address, setAddress] = useState<Address | null>(null);
  useEffect(() => {
    setAddress(null);
    if (!session) return;
    let live = true;
    void marginAccountAddress(program, market, session.owner).then((a) => live && setAddress(a));
    return () => {
      live = false;
    };
  }, [session, program, market]);
  return { ...useAccount(conn, address, decodeMarginData), address };
}

/** The trigger orders of `marginAccount` (watched; null when it has no trigger account). */
export function useTriggerOrders(marginAccount: Address | null) {
  const { conn, program } = useExchange();
  const [address, setAddress] = useState<Address | null>(null);
  useEffect(() => {
    setAddress(null);
    if (!marginAccount) return;
    let live = true;
    void triggerOrdersAddress(program, marginAccount).then((a) => live && setAddress(a));
    return () => {
      live = false;
    };
  }, [program, marginAccount]);
  return useAccount(conn, address, decodeTriggerData);
}

export function useTradingState(cfg: MarketConfig) {
  const { conn, session, program } = useExchange();
  const market = useMarketAccount(cfg.market);
  const book = useAccount(conn, cfg.book, decodeBookData);
  const [ata, setAta] = useState<Address | null>(null);
  const m = market.value;
  useEffect(() => {
    setAta(null);
    if (!session || !m) return;
    let live = true;
    void associatedTokenAddress(session.owner, m.quoteMint, m.quoteTokenProgram).then((a) => live && setAta(a));
    return () => {
      live = false;
    };
  }, [session, m?.quoteMint, m?.quoteTokenProgram]);
  const margin = useOwnMarginAccount(cfg.market);
  const triggers = useTriggerOrders(margin.address);
  const wallet = useTokenBalance(conn, ata);
  const ref: MarketRef | null = useMemo(
    () => (m ? { address: cfg.market, book: cfg.book, eventQueue: cfg.event_queue, program, market: m } : null),
    [m, cfg, program],
  );
  const units = useMemo(() => (m ? unitsOf(m) : null), [m]);
  return { market: m, marketSlot: market.slot, units, ref, book, margin, triggers, ata, walletBalance: wallet };
}

/** The account's open orders (the slots its bitmask marks in use). */
export function openOrders(account: MarginAccount): OpenOrder[] {
  return account.trader.orders.filter((_, slot) => (account.trader.slotsInUse & (1 << slot)) !== 0);
}
