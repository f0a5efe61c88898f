// The order band in whole ticks, as the program will judge it: the engine's `order_band` from
// the stable price and the market's last recorded oracle reference (the program reads the live
// reference, which the app does not: close to it, not exact).

import type { Market } from "../generated";
import { PRICE_SCALE, orderBand } from "../math/engine";

/** The ticks inside the band (`low` rounded up, `high` down); null when there is none. */
export function bandTicks(m: Market, tickNative: bigint): { low: bigint; high: bigint } | null {
  try {
    const b = orderBand(m.price.stablePrice, m.oracleSeen.referenceLow, m.oracleSeen.referenceHigh, m.oracle.maxDeviationBps, m.oracle.breakerBandBps);
    if (!b || tickNative <= 0n) return null;
    const per = tickNative * PRICE_SCALE;
    return { low: (b.low + per - 1n) / per, high: b.high / per };
  } catch {
    return null;
  }
}
