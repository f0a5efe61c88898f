// The order band in whole ticks, as the program will judge it: the engine's `order_band` over
// the oracle sources as their accounts read now (`oracles.ts`), the stable price and the
// market's last recorded reference (what the program falls back to when every source is down).

import type { Market } from "../generated";
import { PRICE_SCALE, orderBand, type GradedSource } from "../math/engine";

/** The ticks inside the band (`low` rounded up, `high` down) given the sources graded now;
 * null when there is none. */
export function bandTicks(m: Market, tickNative: bigint, sources: GradedSource[]): { low: bigint; high: bigint } | null {
  try {
    // A source not loaded yet (no price, no fault) counts as down until it loads.
    const graded = sources.map((s) => (s.price === null && s.fault === null ? { price: null, fault: "WrongAccountType" } : s));
    const b = orderBand(m.price.stablePrice, m.oracleSeen.referenceLow, m.oracleSeen.referenceHigh, m.oracle.maxDeviationBps, m.oracle.breakerBandBps, graded);
    if (!b || tickNative <= 0n) return null;
    const per = tickNative * PRICE_SCALE;
    return { low: (b.low + per - 1n) / per, high: b.high / per };
  } catch {
    return null;
  }
}
