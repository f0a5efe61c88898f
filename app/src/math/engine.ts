// The engine's risk math (engine/src/risk/{margin,health,liquidation}.rs) in TypeScript, for
// the numbers the app shows before a trader signs: margin fractions, equity, the initial margin
// an order needs, what may be withdrawn, and the liquidation price. Integer-exact with BigInt,
// with the engine's rounding and its overflow checks (a checked operation that would overflow
// throws `MathError`, where the engine returns an error). `app/vectors/engine.json`, written by
// the engine, is the reference (`engine.test.ts`).

export const BPS = 10_000n;
export const PRICE_SCALE = 1_000_000n;

export class MathError extends Error {
  constructor(what: string) {
    super(`engine arithmetic: ${what}`);
  }
}

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U128_MAX = (1n << 128n) - 1n;
const I128_MIN = -(1n << 127n);
const I128_MAX = (1n << 127n) - 1n;

type Kind = "u64" | "i64" | "u128" | "i128";
const BOUNDS: Record<Kind, [bigint, bigint]> = {
  u64: [0n, U64_MAX],
  i64: [I64_MIN, I64_MAX],
  u128: [0n, U128_MAX],
  i128: [I128_MIN, I128_MAX],
};

/** `v` if it fits `kind`, else the engine's overflow. */
function fit(v: bigint, kind: Kind): bigint {
  const [lo, hi] = BOUNDS[kind];
  if (v < lo || v > hi) throw new MathError(`${v} does not fit ${kind}`);
  return v;
}

/** Rust's truncating division; `divCeil` rounds up only a positive inexact quotient. */
function divTrunc(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new MathError("division by zero");
  return a / b;
}

function divCeil(a: bigint, b: bigint, kind: Kind): bigint {
  const q = divTrunc(a, b);
  const positive = a >= 0n === b >= 0n;
  return fit(a % b !== 0n && positive ? q + 1n : q, kind);
}

/** Floor division for a positive divisor (Rust's `div_euclid`). */
export function divEuclid(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}

/** ⌊√n⌋ (the engine's `isqrt`). */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = n;
  let y = (x + 1n) / 2n;
  while (y < x) {
    x = y;
    y = (x + n / x) / 2n;
  }
  return x;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);
const abs = (a: bigint) => (a < 0n ? -a : a);

export interface MarginParams {
  initialMarginBps: bigint;
  maintenanceMarginBps: bigint;
  sizePremiumBps: bigint;
  sizeUnitLots: bigint;
  referenceVolBps: bigint;
  maxVolMultiplierBps: bigint;
  oiSoftCapLots: bigint;
  oiHardCapLots: bigint;
}

/** `bps × multiplier / 10,000`, rounded up. */
function scale(bps: bigint, multiplierBps: bigint): bigint {
  return divCeil(fit(bps * multiplierBps, "u64"), BPS, "u64");
}

/** 1 + premium × √(lots / unit), bps. */
export function sizeMultiplierBps(p: MarginParams, lots: bigint): bigint {
  if (p.sizeUnitLots === 0n || p.sizePremiumBps === 0n) return BPS;
  const rootE4 = fit(isqrt(fit(lots * 100_000_000n, "u128") / p.sizeUnitLots), "u64");
  const premium = divCeil(fit(p.sizePremiumBps * rootE4, "u64"), BPS, "u64");
  return fit(BPS + premium, "u64");
}

/** vol / reference, clamped to [1, max], bps. */
export function volMultiplierBps(p: MarginParams, volBps: bigint): bigint {
  const cap = max(p.maxVolMultiplierBps, BPS);
  if (p.referenceVolBps === 0n) return BPS;
  const ratio = divCeil(fit(volBps * BPS, "u64"), p.referenceVolBps, "u64");
  return min(max(ratio, BPS), cap);
}

/** Initial margin fraction for `lots` at volatility `volBps` and open interest `oiLots`. */
export function initialBps(p: MarginParams, lots: bigint, volBps: bigint, oiLots: bigint): bigint {
  const f = min(scale(scale(p.initialMarginBps, sizeMultiplierBps(p, lots)), volMultiplierBps(p, volBps)), BPS);
  const [soft, hard] = [p.oiSoftCapLots, p.oiHardCapLots];
  if (oiLots <= soft || hard <= soft) return f;
  if (oiLots >= hard) return BPS;
  const extra = divCeil(fit((BPS - f) * (oiLots - soft), "u128"), hard - soft, "u128");
  return min(fit(f + fit(extra, "u64"), "u64"), BPS);
}

/** The market-wide maintenance fraction volatility calls for. */
export function maintenanceTargetBps(p: MarginParams, volBps: bigint): bigint {
  return min(scale(p.maintenanceMarginBps, volMultiplierBps(p, volBps)), BPS);
}

/** Realised volatility per √hour, bps, from the EWMA variance (`Volatility::vol_bps`). */
export function volBps(varianceE18: bigint): bigint {
  return isqrt(varianceE18 * 3_600n) / 100_000n;
}

/** Open interest the margin curve sees: the larger side (`OpenInterest::lots`). */
export function oiLots(longLots: bigint, shortLots: bigint): bigint {
  return max(longLots, shortLots);
}

/** A position's maintenance fraction from the market's ramped fraction, never below the listed
 * one (`MarketRisk::maintenance_bps`). */
export function positionMaintenanceBps(p: MarginParams, rampedBps: bigint, lots: bigint): bigint {
  return maintenanceBps(p, max(rampedBps, p.maintenanceMarginBps), lots);
}

/** A position's maintenance fraction: the market's times the size multiplier. */
export function maintenanceBps(p: MarginParams, marketBps: bigint, lots: bigint): bigint {
  return min(scale(marketBps, sizeMultiplierBps(p, lots)), BPS);
}

/** The parts of a margin account's trader state that its health depends on. */
export interface TraderState {
  basePosition: bigint;
  quoteEntry: bigint;
  realisedPnl: bigint;
  bidsBaseLots: bigint;
  bidsQuoteLots: bigint;
  asksBaseLots: bigint;
  asksQuoteLots: bigint;
}

/** Equity, unrealised PnL and worst-case exposure (native × PRICE_SCALE). */
export interface Health {
  equity: bigint;
  unrealised: bigint;
  exposure: bigint;
  exposureLots: bigint;
}

/** `t` valued at `price` (raw: native per base lot × PRICE_SCALE) holding `balance` native. */
export function health(t: TraderState, balance: bigint, quoteLotSize: bigint, price: bigint): Health {
  const qls = fit(fit(quoteLotSize * PRICE_SCALE, "u64"), "i64");
  const position = t.basePosition * price;
  const unrealised = fit(position - t.quoteEntry * qls, "i128");
  const equity = fit(fit(balance * PRICE_SCALE + t.realisedPnl * qls, "i128") + unrealised, "i128");
  const exposure = max(
    abs(fit(position + t.bidsQuoteLots * qls, "i128")),
    abs(fit(position - t.asksQuoteLots * qls, "i128")),
  );
  const exposureLots = fit(
    max(abs(t.basePosition + t.bidsBaseLots), abs(t.basePosition - t.asksBaseLots)),
    "u64",
  );
  return { equity, unrealised, exposure, exposureLots };
}

/** Whether equity covers margin at `fractionBps` (a tie is covered). */
export function covers(h: Health, fractionBps: bigint): boolean {
  if (h.equity < 0n) return false;
  const need = fit(abs(h.exposure) * fractionBps, "u128");
  return fit(h.equity * BPS, "u128") >= need;
}

/** Equity minus margin at `fractionBps`, native units, rounded toward −∞. */
export function surplus(h: Health, fractionBps: bigint): bigint {
  const e4 = fit(fit(h.equity * BPS, "i128") - fit(h.exposure * fractionBps, "i128"), "i128");
  return divEuclid(e4, BPS * PRICE_SCALE);
}

/** Native units that may leave with initial margin at `initialBps` still covered; unrealised
 * profit counts as zero. */
export function withdrawable(h: Health, initialBps: bigint): bigint {
  const realisedOnly = { ...h, equity: fit(h.equity - max(h.unrealised, 0n), "i128") };
  return fit(max(surplus(realisedOnly, initialBps), 0n), "u64");
}

/** The price (raw) at which `position` reaches maintenance `maintenanceBps`, its other equity
 * being `equityExPosition`; `null` when flat or never. Rounded toward the current side. */
export function liquidationPrice(position: bigint, equityExPosition: bigint, maintenanceBps: bigint): bigint | null {
  if (position === 0n) return null;
  const den = fit(fit(abs(position) * maintenanceBps, "i128") - fit(position * BPS, "i128"), "i128");
  if (den === 0n) return null;
  const num = fit(equityExPosition * BPS, "i128");
  const p = position > 0n ? divCeil(num, den, "i128") : divEuclid(num, den);
  if (p <= 0n) return null;
  return fit(p, "u64");
}
