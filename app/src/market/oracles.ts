// The index read from the oracle accounts themselves, live: each configured source's account
// (Pyth `PriceUpdateV2`, Switchboard pull feed) watched over PubSub, read and graded by the
// engine exactly as the program reads it, then aggregated by the engine's own rule. So the page
// shows the price the next instruction would see, not the one the last keeper crank stored.

import { useEffect, useMemo, useState } from "react";
import { getAddressEncoder, type EncodedAccount } from "@solana/kit";
import type { Market } from "../generated";
import { watchAccount } from "../chain/connection";
import { gradeSource, indexPrice, type SourceGrade } from "../math/engine";
import { useExchange } from "../state";
import { formatSecs } from "./status";

const UNSET = "11111111111111111111111111111111";
/** Milliseconds per slot, to estimate the current slot between notifications. */
const MS_PER_SLOT = 400;
const addressBytes = getAddressEncoder();

/** Why a source or the index is refused, in a few words (the engine's names otherwise). */
const FAULT_TEXT: Record<string, string> = {
  Stale: "stale",
  TooUncertain: "too uncertain",
  WrongOwner: "wrong owner",
  WrongAccountType: "not a price account",
  WrongFeed: "wrong feed",
  Unverified: "not fully verified",
  NonPositive: "no positive price",
  OutOfRange: "out of range",
  Regressed: "older than one used",
  SourcesDiverge: "sources disagree",
  NoValidSource: "no valid source",
  StablePriceUnset: "no stable price yet",
  BreakerTripped: "beyond the circuit breaker's band",
  BandEmpty: "no order band",
};

export const faultText = (fault: string): string => FAULT_TEXT[fault] ?? fault;

/** One source as its account reads now. */
export interface LiveSource extends SourceGrade {
  name: "Pyth" | "Switchboard";
  /** "4s ago" / "3 slots ago" / "never" (null: the account is missing or not yet loaded). */
  age: string | null;
}

export interface LiveIndex {
  sources: LiveSource[];
  /** The aggregate of the agreeing sources (raw), or null with `indexFault` saying why. */
  index: bigint | null;
  indexFault: string | null;
  /** Null when the program would take new risk at these prices; else why not. */
  newRiskRefused: string | null;
}

/** The accounts of one market's configured sources (undefined: not loaded yet; null: missing). */
export interface SourceAccounts {
  pyth?: EncodedAccount | null;
  switchboard?: EncodedAccount | null;
}

/** `m`'s sources graded as the program would at unix time `now` and `slot`, and the index they
 * give. A configured source whose account is missing grades as owned by the wrong program, as
 * on-chain; one not loaded yet leaves the index unknown (null and no fault). */
export function liveIndex(m: Market, accounts: SourceAccounts, now: bigint, slot: bigint): LiveIndex {
  const rules = {
    maxAgeSecs: m.oracle.maxAgeSecs,
    maxAgeSlots: m.oracle.maxAgeSlots,
    maxConfidenceBps: m.oracle.maxConfidenceBps,
    baseLotSize: m.params.baseLotSize,
    baseDecimals: m.params.baseDecimals,
    quoteDecimals: m.quoteDecimals,
  };
  const configured: [LiveSource["name"], 0 | 1, string, EncodedAccount | null | undefined, bigint][] = [];
  if (m.oracle.pythPriceUpdate !== UNSET) configured.push(["Pyth", 0, m.oracle.pythPriceUpdate, accounts.pyth, m.oracleSeen.pythPublishTime]);
  if (m.oracle.switchboardFeed !== UNSET) configured.push(["Switchboard", 1, m.oracle.switchboardFeed, accounts.switchboard, m.oracleSeen.switchboardSlot]);
  const feed = new Uint8Array(m.oracle.pythFeedId);
  let loading = false;
  const sources: LiveSource[] = configured.map(([name, kind, , account, used]) => {
    if (account === undefined) {
      loading = true;
      return { name, price: null, fault: null, published: null, age: null };
    }
    // A configured account that does not exist is the System program's on chain: wrong owner.
    if (account === null) return { name, price: null, fault: "WrongOwner", published: null, age: null };
    const g = gradeSource(kind, new Uint8Array(addressBytes.encode(account.programAddress)), feed, new Uint8Array(account.data), rules, now, slot, used);
    const age = g.published === null ? null : kind === 0 ? `${formatSecs(now > g.published ? now - g.published : 0n)} ago` : `${slot > g.published ? slot - g.published : 0n} slots ago`;
    return { name, ...g, age };
  });
  if (loading) return { sources, index: null, indexFault: null, newRiskRefused: null };
  const v = indexPrice(sources, m.oracle.maxDeviationBps, m.oracle.breakerBandBps, m.price.stablePrice);
  return { sources, ...v };
}

/** `m`'s index, live from its oracle accounts (null until the market has loaded). Re-graded on
 * every account change and every second (a source goes stale without changing). */
export function useLiveIndex(m: Market | null | undefined, now: bigint): LiveIndex | null {
  const { conn } = useExchange();
  const [accounts, setAccounts] = useState<SourceAccounts>({});
  // The newest slot any notification carried, and when: the current slot is estimated from it.
  const [seen, setSeen] = useState<{ slot: bigint; at: number }>({ slot: 0n, at: 0 });
  const pyth = m && m.oracle.pythPriceUpdate !== UNSET ? m.oracle.pythPriceUpdate : null;
  const switchboard = m && m.oracle.switchboardFeed !== UNSET ? m.oracle.switchboardFeed : null;
  useEffect(() => {
    setAccounts({});
    const abort = new AbortController();
    for (const [key, address] of [["pyth", pyth], ["switchboard", switchboard]] as const) {
      if (!address) continue;
      void watchAccount(
        conn,
        address,
        (s) => {
          setAccounts((a) => ({ ...a, [key]: s.account }));
          setSeen((p) => (s.slot > p.slot ? { slot: s.slot, at: s.receivedAt } : p));
        },
        abort.signal,
      );
    }
    return () => abort.abort();
  }, [conn, pyth, switchboard]);
  return useMemo(() => {
    if (!m) return null;
    const slot = seen.slot + BigInt(Math.max(0, Math.floor((performance.now() - seen.at) / MS_PER_SLOT)));
    try {
      return liveIndex(m, accounts, now, slot);
    } catch (e) {
      console.warn("grading the oracle accounts:", e);
      return null;
    }
  }, [m, accounts, now, seen]);
}
