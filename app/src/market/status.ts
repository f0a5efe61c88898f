// The market's state in one line: what it allows now (the breaker overrides an Active status)
// and how fresh its prices are.

import type { Market } from "../generated";
import { MarketStatus } from "../generated";

/** The index older than this (seconds) is marked stale: keepers crank the price well inside it. */
export const STALE_AFTER_SECS = 60n;

export interface TradingState {
  /** "Active", "Reduce-only", "Paused", or "Reduce-only: circuit breaker". */
  label: string;
  /** Only reduce-only orders are accepted. */
  reduceOnly: boolean;
  /** The breaker's earliest release, seconds from now (null: not engaged). */
  breakerReleaseIn: bigint | null;
  /** Seconds since the index was last updated (null: never). */
  indexAgeSecs: bigint | null;
  stale: boolean;
}

/** What `m` allows at unix time `now`. */
export function tradingState(m: Market, now: bigint): TradingState {
  const breaker = m.price.breakerEngaged !== 0;
  const base = m.status === MarketStatus.Paused ? "Paused" : m.status === MarketStatus.ReduceOnly ? "Reduce-only" : "Active";
  const label = breaker && m.status !== MarketStatus.Paused ? "Reduce-only: circuit breaker" : base;
  const release = m.price.breakerCooldownUntil - now;
  const indexAgeSecs = m.price.indexUpdatedAt === 0n ? null : now - m.price.indexUpdatedAt;
  return {
    label,
    reduceOnly: breaker || m.status !== MarketStatus.Active,
    breakerReleaseIn: breaker ? (release > 0n ? release : 0n) : null,
    indexAgeSecs,
    stale: indexAgeSecs === null || indexAgeSecs > STALE_AFTER_SECS,
  };
}

/** "2m 05s", "45s". */
export function formatSecs(s: bigint): string {
  const m = s / 60n;
  const r = s % 60n;
  return m > 0n ? `${m}m ${r.toString().padStart(2, "0")}s` : `${r}s`;
}
