// The market's integer units and the human numbers a trader reads and types. On chain a size is
// base lots, a price is ticks (quote lots per base lot per tick) or a raw `Price` (native quote
// per base lot × PRICE_SCALE), and money is native quote units. Conversions of what the trader
// types are exact BigInt arithmetic; only display goes through floating point.

import { PRICE_SCALE } from "../math/engine";

export interface LotSizes {
  baseLotSize: bigint;
  quoteLotSize: bigint;
  tickSize: bigint;
  baseDecimals: number;
  quoteDecimals: number;
}

const pow10 = (n: number) => 10n ** BigInt(n);

/** A decimal string as an integer scaled by 10^decimals, or null if it is not a plain
 * non-negative decimal with at most `decimals` fractional digits. */
export function parseScaled(text: string, decimals: number): bigint | null {
  const m = /^\s*(\d*)(?:\.(\d*))?\s*$/.exec(text);
  if (!m || (m[1] === "" && (m[2] ?? "") === "")) return null;
  const frac = m[2] ?? "";
  if (frac.replace(/0+$/, "").length > decimals) return null;
  return BigInt(m[1] || "0") * pow10(decimals) + BigInt((frac + "0".repeat(decimals)).slice(0, decimals) || "0");
}

/** An integer scaled by 10^decimals as a decimal string with `shown` fractional digits
 * (rounded half away from zero). */
export function formatScaled(value: bigint, decimals: number, shown = decimals): string {
  const neg = value < 0n;
  let v = neg ? -value : value;
  if (shown < decimals) {
    const drop = pow10(decimals - shown);
    v = (v + drop / 2n) / drop;
    decimals = shown;
  }
  const whole = v / pow10(decimals);
  const frac = decimals > 0 ? "." + (v % pow10(decimals)).toString().padStart(decimals, "0") : "";
  const grouped = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return (neg ? "-" : "") + grouped + frac.padEnd(shown > 0 ? shown + 1 : 0, "0");
}

export class MarketUnits {
  constructor(readonly s: LotSizes) {}

  /** Native quote units per base lot for one tick. */
  get tickNative(): bigint {
    return this.s.tickSize * this.s.quoteLotSize;
  }

  /** Decimals needed to show one tick's price exactly. */
  get priceDecimals(): number {
    // One tick in quote units per whole base unit: tickNative × 10^bd / bls / 10^qd.
    let num = this.tickNative * pow10(this.s.baseDecimals);
    let den = this.s.baseLotSize * pow10(this.s.quoteDecimals);
    let d = 0;
    while (num % den !== 0n && d < 12) {
      num *= 10n;
      d++;
    }
    return d;
  }

  /** Decimals needed to show one lot exactly. */
  get sizeDecimals(): number {
    let d = this.s.baseDecimals;
    let lot = this.s.baseLotSize;
    while (d > 0 && lot % 10n === 0n) {
      lot /= 10n;
      d--;
    }
    return d;
  }

  /** Ticks → price in quote per base unit, scaled by 10^priceDecimals. */
  private ticksScaled(ticks: bigint): bigint {
    const d = this.priceDecimals;
    return (ticks * this.tickNative * pow10(this.s.baseDecimals + d)) / (this.s.baseLotSize * pow10(this.s.quoteDecimals));
  }

  /** One tick's price, as a number (for drawing only). */
  get tickPrice(): number {
    return Number(this.ticksScaled(1n)) / 10 ** this.priceDecimals;
  }

  formatTicks(ticks: bigint): string {
    return formatScaled(this.ticksScaled(ticks), this.priceDecimals);
  }

  /** A raw `Price` (native per lot × PRICE_SCALE) as quote per base unit. */
  formatRawPrice(raw: bigint): string {
    const d = this.priceDecimals;
    const scaled = (raw * pow10(this.s.baseDecimals + d)) / (this.s.baseLotSize * pow10(this.s.quoteDecimals) * PRICE_SCALE);
    return formatScaled(scaled, d);
  }

  /** A raw price rounded to whole ticks (nearest). */
  rawToTicks(raw: bigint): bigint {
    const per = this.tickNative * PRICE_SCALE;
    return (raw + per / 2n) / per;
  }

  ticksToRaw(ticks: bigint): bigint {
    return ticks * this.tickNative * PRICE_SCALE;
  }

  /** A typed price → ticks, or null unless it is a positive whole number of ticks. */
  parsePrice(text: string): bigint | null {
    const d = this.priceDecimals;
    const scaled = parseScaled(text, d);
    if (scaled === null || scaled === 0n) return null;
    const one = this.ticksScaled(1n);
    return scaled % one === 0n ? scaled / one : null;
  }

  formatLots(lots: bigint): string {
    const d = this.sizeDecimals;
    return formatScaled((lots * this.s.baseLotSize) / pow10(this.s.baseDecimals - d), d);
  }

  /** A typed size → lots, or null unless it is a positive whole number of lots. */
  parseSize(text: string): bigint | null {
    const atoms = parseScaled(text, this.s.baseDecimals);
    if (atoms === null || atoms === 0n || atoms % this.s.baseLotSize !== 0n) return null;
    return atoms / this.s.baseLotSize;
  }

  formatNative(native: bigint, shown = 2): string {
    return formatScaled(native, this.s.quoteDecimals, shown);
  }

  parseQuote(text: string): bigint | null {
    return parseScaled(text, this.s.quoteDecimals);
  }
}
