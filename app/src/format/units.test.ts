import { describe, expect, it } from "vitest";
import { MarketUnits, formatScaled, parseScaled } from "./units";

// Sizes like the local exchange's markets (localnet/exchange.toml): SOL-PERP has 0.01 SOL lots and $0.01
// ticks, BTC-PERP 0.0001 BTC lots and $1 ticks; the quote token has 6 decimals.
const sol = new MarketUnits({ baseLotSize: 10_000_000n, quoteLotSize: 1n, tickSize: 100n, baseDecimals: 9, quoteDecimals: 6 });
const btc = new MarketUnits({ baseLotSize: 10_000n, quoteLotSize: 1n, tickSize: 100n, baseDecimals: 8, quoteDecimals: 6 });

describe("market units", () => {
  it("shows prices and sizes to the market's increments", () => {
    expect([sol.priceDecimals, sol.sizeDecimals, btc.priceDecimals, btc.sizeDecimals]).toEqual([2, 2, 0, 4]);
    expect(sol.formatTicks(15_025n)).toBe("150.25");
    expect(btc.formatTicks(60_000n)).toBe("60,000");
    expect(sol.formatLots(123n)).toBe("1.23");
    expect(btc.formatLots(5n)).toBe("0.0005");
    expect([sol.tickPrice, btc.tickPrice]).toEqual([0.01, 1]);
  });

  it("parses only whole ticks and lots", () => {
    expect(sol.parsePrice("150.25")).toBe(15_025n);
    expect(sol.parsePrice("150.255")).toBeNull();
    expect(sol.parsePrice("0")).toBeNull();
    expect(sol.parsePrice("abc")).toBeNull();
    expect(btc.parsePrice("60000")).toBe(60_000n);
    expect(btc.parsePrice("60000.5")).toBeNull();
    expect(sol.parseSize("1.23")).toBe(123n);
    expect(sol.parseSize("1.234")).toBeNull();
    expect(btc.parseSize("0.0005")).toBe(5n);
  });

  it("converts raw prices (native per lot × 10^6) to ticks and back", () => {
    for (const t of [1n, 15_025n, 9_999_999n]) {
      expect(sol.rawToTicks(sol.ticksToRaw(t))).toBe(t);
      expect(sol.formatRawPrice(sol.ticksToRaw(t))).toBe(sol.formatTicks(t));
    }
    // $150.25 per SOL is 1,502,500 native per 0.01 SOL lot.
    expect(sol.ticksToRaw(15_025n)).toBe(1_502_500n * 1_000_000n);
  });
});

describe("decimal strings", () => {
  it("round-trips scaled integers", () => {
    expect(parseScaled("1.5", 6)).toBe(1_500_000n);
    expect(parseScaled(".5", 2)).toBe(50n);
    expect(parseScaled("1.500", 1)).toBe(15n);
    expect(parseScaled("1.05", 1)).toBeNull();
    expect(parseScaled("-1", 2)).toBeNull();
    expect(parseScaled("", 2)).toBeNull();
    expect(formatScaled(-1_234_567n, 6, 2)).toBe("-1.23");
    expect(formatScaled(1_235_000n, 6, 2)).toBe("1.24");
    expect(formatScaled(1_234_567_890n, 3)).toBe("1,234,567.890");
    expect(formatScaled(5n, 0)).toBe("5");
  });
});
