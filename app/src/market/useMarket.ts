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
} from "../generated";
import type { MarketConfig } from "../config";
import { typed, useAccount } from "../chain/hooks";
import { associatedTokenAddress, useTokenBalance } from "../chain/tokens";
import { MarketUnits } from "../format/units";
import { useExchange } from "../state";
import { marginAccountAddress, type MarketRef } from "./actions";

const decodeMarketData = typed(getMarketDecoder(), getMarketDiscriminatorBytes());
// The book stays raw bytes: the engine walks them itself (`chain/book.ts`), and decoding a 1 MB
// account into objects on every change would cost more than the walk.
const decodeBookData = typed({ decode: (data) => data as Uint8Array }, getOrderBookAccountDiscriminatorBytes());
const decodeMarginData = typed(getMarginAccountDecoder(), getMarginAccountDiscriminatorBytes());

export function useMarketAccount(address: Address) {
  const { conn } = useExchange();
  return useAccount(conn, address, decodeMarketData);
}

export function unitsOf(m: { params: { baseLotSize: bigint; quoteLotSize: bigint; tickSize: bigint; baseDecimals: number }; quoteDecimals: number }) {
  return new MarketUnits({ ...m.params, quoteDecimals: m.quoteDecimals });
}

export function useTradingState(cfg: MarketConfig) {
  const { conn, program, session } = useExchange();
  const market = useMarketAccount(cfg.market);
  const book = useAccount(conn, cfg.book, decodeBookData);
  const [addresses, setAddresses] = useState<{ margin: Address; ata: Address } | null>(null);
  const m = market.value;
  useEffect(() => {
    setAddresses(null);
    if (!session || !m) return;
    let live = true;
    void Promise.all([
      marginAccountAddress(program, cfg.market, session.owner),
      associatedTokenAddress(session.owner, m.quoteMint, m.quoteTokenProgram),
    ]).then(([margin, ata]) => live && setAddresses({ margin, ata }));
    return () => {
      live = false;
    };
  }, [session, program, cfg.market, m?.quoteMint, m?.quoteTokenProgram]);
  const margin = useAccount(conn, addresses?.margin, decodeMarginData);
  const wallet = useTokenBalance(conn, addresses?.ata ?? null);
  const ref: MarketRef | null = useMemo(
    () => (m ? { address: cfg.market, book: cfg.book, eventQueue: cfg.event_queue, program, market: m } : null),
    [m, cfg, program],
  );
  const units = useMemo(() => (m ? unitsOf(m) : null), [m]);
  return { market: m, units, ref, book, margin, ata: addresses?.ata ?? null, walletBalance: wallet };
}

/** The account's open orders (the slots its bitmask marks in use). */
export function openOrders(account: MarginAccount): OpenOrder[] {
  return account.trader.orders.filter((_, slot) => (account.trader.slotsInUse & (1 << slot)) !== 0);
}
