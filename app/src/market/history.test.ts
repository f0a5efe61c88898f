import { describe, expect, it } from "vitest";
import { sample, stats24h } from "./history";

describe("live-sampled candles", () => {
  it("folds samples into one candle per interval", () => {
    let c = sample([], 120, 10, 60);
    c = sample(c, 130, 12, 60);
    c = sample(c, 170, 9, 60);
    c = sample(c, 185, 11, 60);
    expect(c).toEqual([
      { time: 120, open: 10, high: 12, low: 9, close: 9 },
      { time: 180, open: 9, high: 11, low: 9, close: 11 },
    ]);
    // A sample older than the last candle (a late notification) changes nothing.
    expect(sample(c, 100, 50, 60)).toBe(c);
  });

  it("measures the 24 h change, volume and last price from hourly candles", () => {
    const now = 100 * 3600;
    const hourly = [
      { time: now - 30 * 3600, open: 50, high: 50, low: 50, close: 50, volume: 1_000 },
      { time: now - 23 * 3600, open: 100, high: 100, low: 100, close: 100, volume: 7 },
      { time: now - 3600, open: 105, high: 112, low: 100, close: 110, volume: 5 },
    ];
    const s = stats24h(hourly, now)!;
    expect(s.change).toBeCloseTo(0.1);
    expect(s).toMatchObject({ volumeLots: 12, lastTicks: 110 });
    expect(stats24h([], now)).toBeNull();
  });
});

describe("an account's own fills", async () => {
  const { ownFill } = await import("./history");
  const fill = { signature: "s", index: 0, market: "X", slot: 1, time: 1, priceTicks: 100, baseLots: 5, takerSide: "buy" as const, maker: "M", taker: "T" };
  it("are the taker's side for the taker and the other side for the maker", () => {
    expect(ownFill(fill, "T")).toEqual({ side: "buy", role: "taker" });
    expect(ownFill(fill, "M")).toEqual({ side: "sell", role: "maker" });
    expect(ownFill({ ...fill, takerSide: "sell" }, "M")).toEqual({ side: "buy", role: "maker" });
  });
});

describe("an order's outcome", async () => {
  const { orderStatus } = await import("./history");
  const f = (l: bigint) => l.toString();
  const o = { signature: "s", index: 0, market: "M", account: "A", slot: 1, time: 1, side: "buy" as const, orderType: "limit", limitTicks: 1, priceTicks: 1, baseLots: 5, filledBaseLots: 0, cancelledBaseLots: 0, rested: false, reduceOnly: false, clientOrderId: 0 };
  it("says what filled, what rests and what was dropped", () => {
    expect(orderStatus({ ...o, filledBaseLots: 5 }, f)).toBe("filled");
    expect(orderStatus({ ...o, filledBaseLots: 2, rested: true }, f)).toBe("filled 2 of 5 · rests");
    expect(orderStatus({ ...o, rested: true }, f)).toBe("rests");
    expect(orderStatus({ ...o, filledBaseLots: 2 }, f)).toBe("filled 2 of 5 · rest cancelled");
    expect(orderStatus(o, f)).toBe("nothing filled");
  });
});
