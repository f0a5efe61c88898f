import { describe, expect, it } from "vitest";
import type { Market } from "../generated";
import { MarketStatus } from "../generated";
import { formatSecs, tradingState } from "./status";

const market = (status: MarketStatus, breaker: number, cooldownUntil: bigint, indexAt: bigint) =>
  ({ status, price: { breakerEngaged: breaker, breakerCooldownUntil: cooldownUntil, indexUpdatedAt: indexAt } }) as unknown as Market;

describe("the market's state", () => {
  it("says a breaker makes an active market reduce-only, and when it may release", () => {
    const s = tradingState(market(MarketStatus.Active, 1, 1_130n, 995n), 1_000n);
    expect(s).toMatchObject({ label: "Reduce-only: circuit breaker", reduceOnly: true, breakerReleaseIn: 130n, indexAgeSecs: 5n, stale: false });
    expect(formatSecs(130n)).toBe("2m 10s");
    // Past its cool-down it may release at the next in-band price: zero, not negative.
    expect(tradingState(market(MarketStatus.Active, 1, 900n, 995n), 1_000n).breakerReleaseIn).toBe(0n);
  });

  it("keeps the governed status otherwise, and marks an old or missing index stale", () => {
    expect(tradingState(market(MarketStatus.Active, 0, 0n, 990n), 1_000n)).toMatchObject({ label: "Active", reduceOnly: false, breakerReleaseIn: null });
    expect(tradingState(market(MarketStatus.ReduceOnly, 0, 0n, 990n), 1_000n)).toMatchObject({ label: "Reduce-only", reduceOnly: true });
    expect(tradingState(market(MarketStatus.Paused, 1, 2_000n, 990n), 1_000n).label).toBe("Paused");
    expect(tradingState(market(MarketStatus.Active, 0, 0n, 900n), 1_000n).stale).toBe(true);
    expect(tradingState(market(MarketStatus.Active, 0, 0n, 0n), 1_000n)).toMatchObject({ indexAgeSecs: null, stale: true });
    expect(formatSecs(45n)).toBe("45s");
  });
});
