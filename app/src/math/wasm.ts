// The engine as WebAssembly (`engine-wasm/`, built into `engine.wasm` beside this file by
// `scripts/build-wasm.mjs`): loads the module and speaks its memory ABI. Inputs go into the
// module's input block — the market's stored engine state (encoded by the generated client, so
// byte-for-byte the account's fields) and parameters, one account, and up to twelve i64
// arguments — and results come back as slots of three i64 words: a code (0 value, 1 none,
// ≥ 2 an engine error, named by the module) and a 128-bit value. Nothing here computes a rule;
// `engine.ts` gives the exports typed names. docs/web-app.md describes the ABI.

import {
  getFundingEncoder,
  getFundingSnapshotEncoder,
  getMarketRiskEncoder,
  getOpenInterestEncoder,
  getTraderEncoder,
  type Funding,
  type FundingSnapshot,
  type MarketParams,
  type MarketRisk,
  type OpenInterest,
  type Trader,
} from "../generated";

/** An engine refusal, by the engine's name for it (`Math`, `InvalidInput`, `BookCorrupt`…). */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    readonly line?: number,
  ) {
    super(`engine: ${code}${line ? ` (engine line ${line})` : ""}`);
    this.name = "EngineError";
  }
}

/** The market fields the engine reads (a decoded `Market` has them all). */
export interface MarketInput {
  risk: MarketRisk;
  funding: Funding;
  openInterest: OpenInterest;
  params: MarketParams;
}

/** The account fields the engine reads (a decoded `MarginAccount` has them all; a missing
 * funding snapshot reads as zero, e.g. an account not yet created). */
export interface AccountInput {
  collateral: bigint;
  trader: Trader;
  funding?: FundingSnapshot;
}

/** One result: its code and value (`code` 0: value, 1: none). */
export interface Slot {
  code: number;
  value: bigint;
}

interface Exports {
  memory: WebAssembly.Memory;
  input_ptr(): number;
  input_size(part: number): number;
  output_ptr(): number;
  output_words(): number;
  code_name(code: number): number;
  param_name(i: number): number;
  book_ptr(len: number): number;
  book_levels(len: number, now: bigint, depth: number): number;
  source_ptr(len: number): number;
  source_grade(kind: number, len: number): number;
  [call: string]: unknown;
}

/** The exports that read the input block and write slots. */
export type Call =
  | "margin_fractions"
  | "margin_bps"
  | "health"
  | "liquidation_price"
  | "account_risk"
  | "liquidatable"
  | "withdrawable"
  | "order_preview"
  | "funding_rate"
  | "order_band"
  | "index_price"
  | "worst_price"
  | "reducible";

const encoders = {
  risk: getMarketRiskEncoder(),
  funding: getFundingEncoder(),
  openInterest: getOpenInterestEncoder(),
  snapshot: getFundingSnapshotEncoder(),
  trader: getTraderEncoder(),
};
const ZERO_SNAPSHOT: FundingSnapshot = { longIndex: 0n, shortIndex: 0n };
const ARGS = 12;

let module: WebAssembly.Module | null = null;
let ex: Exports | null = null;
let codeNames: string[] = [];
let paramNames: string[] = [];

/** Compiles and starts the module from its bytes or its HTTP response (served as
 * `application/wasm` it compiles while it downloads). */
export async function initEngine(source: BufferSource | Response | Promise<Response>): Promise<void> {
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    module = await WebAssembly.compile(source);
  } else {
    const response = await source;
    if (!response.ok) throw new Error(`the engine module did not load: HTTP ${response.status}`);
    const streams = response.headers.get("content-type")?.startsWith("application/wasm") ?? false;
    module = streams ? await WebAssembly.compileStreaming(response) : await WebAssembly.compile(await response.arrayBuffer());
  }
  start(await WebAssembly.instantiate(module, {}));
}

function start(instance: WebAssembly.Instance) {
  const e = instance.exports as unknown as Exports;
  const texts = (name: (i: number) => number) => {
    const out: string[] = [];
    for (let i = 0, n = name(0); n > 0; n = name(++i)) out.push(new TextDecoder().decode(new Uint8Array(e.memory.buffer, e.output_ptr(), n)));
    return out;
  };
  codeNames = texts((i) => e.code_name(i));
  paramNames = texts((i) => e.param_name(i));
  ex = e;
  const market = encoders.risk.fixedSize + encoders.funding.fixedSize + encoders.openInterest.fixedSize + 8 * paramNames.length;
  const account = 8 + encoders.snapshot.fixedSize + encoders.trader.fixedSize;
  if (market !== e.input_size(1) || account !== e.input_size(2) || e.input_size(3) !== ARGS) {
    ex = null;
    throw new Error("the engine module's input layout does not match the generated client");
  }
}

function engine(): Exports {
  if (!ex) throw new EngineError("NotLoaded");
  return ex;
}

/** Runs `f` on the module; a trap (only a malformed order book can cause one) restarts the
 * instance, whose stack the trap left unwound, and reads as `BookCorrupt`. */
function guarded<T>(f: (e: Exports) => T): T {
  const e = engine();
  try {
    return f(e);
  } catch (err) {
    if (!(err instanceof WebAssembly.RuntimeError) || !module) throw err;
    ex = null;
    try {
      start(new WebAssembly.Instance(module, {}));
    } catch {
      void WebAssembly.instantiate(module, {}).then(start);
    }
    throw new EngineError("BookCorrupt");
  }
}

function writeInput(e: Exports, market: MarketInput | null, account: AccountInput | null, args: bigint[]) {
  const base = e.input_ptr();
  const bytes = new Uint8Array(e.memory.buffer, base, e.input_size(0));
  const view = new DataView(e.memory.buffer, base, e.input_size(0));
  bytes.fill(0);
  if (market) {
    let at = 0;
    for (const [enc, value] of [
      [encoders.risk, market.risk],
      [encoders.funding, market.funding],
      [encoders.openInterest, market.openInterest],
    ] as const) {
      bytes.set((enc.encode as (v: unknown) => Uint8Array)(value), at);
      at += enc.fixedSize;
    }
    const params = market.params as unknown as Record<string, number | bigint | undefined>;
    paramNames.forEach((name, i) => {
      const v = params[name];
      if (v === undefined) throw new Error(`market parameter ${name} missing`);
      view.setBigInt64(at + 8 * i, BigInt(v), true);
    });
  }
  const accountAt = e.input_size(1);
  if (account) {
    view.setBigUint64(accountAt, account.collateral, true);
    bytes.set(encoders.snapshot.encode(account.funding ?? ZERO_SNAPSHOT), accountAt + 8);
    bytes.set(encoders.trader.encode(account.trader), accountAt + 8 + encoders.snapshot.fixedSize);
  }
  const argsAt = accountAt + e.input_size(2);
  if (args.length > ARGS) throw new Error("too many engine arguments");
  args.forEach((a, i) => view.setBigInt64(argsAt + 8 * i, BigInt.asIntN(64, a), true));
}

function output(e: Exports, words: number): BigInt64Array {
  return new BigInt64Array(e.memory.buffer, e.output_ptr(), words);
}

/** The first `count` slots of the output. */
function slots(e: Exports, count: number): Slot[] {
  const w = output(e, 3 * count);
  return Array.from({ length: count }, (_, i) => ({
    code: Number(w[3 * i]!),
    value: BigInt.asUintN(64, w[3 * i + 1]!) | (w[3 * i + 2]! << 64n),
  }));
}

/** A failed call's error: its code's name, and for arithmetic the engine's line. */
function failure(e: Exports, code: number): EngineError {
  const name = codeNames[code] ?? `code ${code}`;
  return new EngineError(name, name === "Math" ? Number(output(e, 2)[1]) : undefined);
}

/** Calls export `name` with the market, account and arguments given; returns `count` slots,
 * or throws the engine's error when the call as a whole failed. */
export function call(name: Call, market: MarketInput | null, account: AccountInput | null, args: bigint[], count: number): Slot[] {
  return guarded((e) => {
    writeInput(e, market, account, args);
    const status = (e[name] as () => number)();
    if (status !== 0) throw failure(e, status);
    return slots(e, count);
  });
}

/** The name of slot `s`'s code ("Ok", "None", an engine error or an oracle fault). */
export function codeName(s: Slot): string {
  return codeNames[s.code] ?? `code ${s.code}`;
}

/** The code named `name` (the inverse of `codeName`); throws for an unknown name. */
export function codeNumber(name: string): number {
  const i = codeNames.indexOf(name);
  if (i < 0) throw new EngineError("InvalidInput");
  return i;
}

/** Copies an oracle account (its owner, the feed id the market configures, its data) into the
 * module and reads it as Pyth (`kind` 0) or Switchboard (1), graded with `args`
 * (`source_grade`); returns its two slots. */
export function readSource(kind: 0 | 1, owner: Uint8Array, feed: Uint8Array, data: Uint8Array, args: bigint[]): Slot[] {
  return guarded((e) => {
    const ptr = e.source_ptr(data.length);
    if (ptr === 0) throw new EngineError("InvalidInput");
    const area = new Uint8Array(e.memory.buffer, ptr, 64 + data.length);
    area.set(owner.subarray(0, 32), 0);
    area.set(feed.subarray(0, 32), 32);
    area.set(data, 64);
    writeInput(e, null, null, args);
    const status = e.source_grade(kind, data.length);
    if (status !== 0) throw failure(e, status);
    return slots(e, 2);
  });
}

/** A slot's value; throws its error; `null` when it holds none. */
export function valueOf(s: Slot): bigint | null {
  if (s.code === 0) return s.value;
  if (s.code === 1) return null;
  throw new EngineError(codeNames[s.code] ?? `code ${s.code}`, codeNames[s.code] === "Math" ? Number(s.value) : undefined);
}

/** Copies an order book account's bytes into the module and walks it (`book_levels`); returns
 * the output words: bid levels, ask levels, then [price, lots, orders] per level. */
export function walkBook(data: Uint8Array, now: bigint, depth: number): BigInt64Array {
  return guarded((e) => {
    const ptr = e.book_ptr(data.length);
    if (ptr === 0) throw new EngineError("BookAccountSize");
    new Uint8Array(e.memory.buffer, ptr, data.length).set(data);
    const status = e.book_levels(data.length, now, depth);
    if (status !== 0) throw failure(e, status);
    const head = output(e, 2);
    return output(e, 2 + 3 * (Number(head[0]) + Number(head[1]))).slice();
  });
}
