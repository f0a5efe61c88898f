// Every refusal as a sentence a trader can act on. The program's own codes come straight from
// its IDL (one source of truth with the program); the framework's codes and those of the
// programs it calls, which a trader can meet, are listed here; anything else still says what
// failed.

import { isSolanaError, SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM, type Address } from "@solana/kit";
import { errors as idlErrors } from "../../idl/perp.json";

/** The program's error codes and their messages, from the IDL. */
export const PROGRAM_ERRORS: ReadonlyMap<number, { name: string; msg: string }> = new Map(
  idlErrors.map((e) => [e.code, { name: e.name, msg: e.msg }]),
);

/** What a trader can do about the refusals they meet most. */
export const HINTS: Record<string, string> = {
  InsufficientMargin: "Reduce the size or deposit more collateral.",
  InsufficientCollateral: "Withdraw at most the withdrawable amount.",
  PriceOutsideBand: "Choose a price closer to the oracle price.",
  MarketNotActive: "Only orders that shrink a position are accepted now.",
  WithdrawalBreaksInitialMargin: "Withdraw at most the withdrawable amount.",
  WithdrawLimitExceeded: "The market's daily withdrawal limit is reached; try a smaller amount or later.",
  OracleStale: "The oracle price is out of date; try again in a moment.",
  CircuitBreakerTripped: "The price moved sharply; only reduce-only orders until it settles.",
  PriceBandEmpty: "The price moved too far, too fast; trading resumes as the stable price follows.",
  ReduceWorsensHealth: "Close at a price closer to the oracle price, or in smaller steps.",
};

/** Anchor's own refusals (anchor-lang `ErrorCode`) that a wallet user can trigger. */
const ANCHOR_ERRORS: Record<number, string> = {
  100: "The program does not know this instruction (is the app out of date?)",
  101: "The program does not know this instruction (is the app out of date?)",
  102: "The instruction's arguments could not be read (is the app out of date?)",
  2000: "An account that must be writable was passed read-only",
  2001: "An account does not belong to this market or owner",
  2002: "A required signature is missing",
  2003: "An account failed the program's checks",
  2006: "An account is not at the address the program derives for it",
  2012: "An account is not the one the program expects",
  2014: "The token account is for a different token",
  2015: "The token account belongs to someone else",
  3001: "An account has no data: it may not exist yet",
  3002: "An account is not of the expected type",
  3003: "An account's data could not be read",
  3007: "An account is owned by the wrong program",
  3010: "A required signature is missing",
  3012: "An account does not exist yet",
};

/** Anchor's own codes start at 100: below, a code is from a program ours called, SPL Token
 * (deposits and withdrawals) or System (a new account's rent); a failed call fails the outer
 * instruction with the callee's code. Code 1 is both programs' "insufficient funds". */
const CALLEE_ERRORS: Record<number, string> = {
  1: "Not enough funds in your wallet (test USDC for a deposit, SOL for a new account)",
  3: "The token account is for a different token",
  4: "The token account belongs to someone else",
  17: "The token account is frozen",
};
const ANCHOR_FIRST_CODE = 100;

/** The message for a custom error code of an instruction of our program. */
export function programErrorMessage(code: number): string {
  const e = PROGRAM_ERRORS.get(code);
  if (e) return HINTS[e.name] ? `${e.msg}. ${HINTS[e.name]}` : e.msg;
  if (code < ANCHOR_FIRST_CODE) return CALLEE_ERRORS[code] ?? `A token or system transfer failed (error ${code})`;
  return ANCHOR_ERRORS[code] ?? `The program refused the transaction (error ${code})`;
}

/** The programs a transaction's instructions called, by instruction index. */
export type ProgramsByIndex = readonly Address[];

/** A human message for anything sending a transaction threw. */
export function humanError(error: unknown, programs: ProgramsByIndex, perp: Address): string {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if (isSolanaError(e, SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM)) {
      const { code, index } = e.context;
      const program = programs[index];
      if (program === perp) return programErrorMessage(code);
      return `Instruction ${index + 1} failed (error ${code})`;
    }
    const text = String((e as { message?: unknown }).message ?? "");
    if (/insufficient funds for fee|InsufficientFundsForFee/i.test(text)) {
      return "Not enough SOL to pay the network fee: use the faucet";
    }
    if (/user rejected|rejected the request|declined/i.test(text)) return "You declined the request in your wallet";
    if (/block height exceeded|blockhash not found/i.test(text)) return "The transaction expired before it landed; try again";
  }
  const fallback = error instanceof Error ? error.message : String(error);
  return `The transaction failed: ${fallback}`;
}
