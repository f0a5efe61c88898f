import { describe, expect, it } from "vitest";
import { SolanaError, SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM, SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE, type Address } from "@solana/kit";
import idl from "../../idl/perp.json";
import { HINTS, PROGRAM_ERRORS, humanError, programErrorMessage } from "./errors";

const PERP = idl.address as Address;
const COMPUTE = "ComputeBudget111111111111111111111111111111" as Address;

/** What @solana/kit throws when preflight fails with a custom error in instruction `index`. */
function preflight(code: number, index: number) {
  const cause = new SolanaError(SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM, { code, index });
  return new SolanaError(SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE, { cause } as never);
}

describe("error messages", () => {
  it("has the program's message for every error code in its IDL", () => {
    expect(PROGRAM_ERRORS.size).toBe(idl.errors.length);
    for (const e of idl.errors) {
      const message = programErrorMessage(e.code);
      expect(message.startsWith(e.msg), e.name).toBe(true);
      expect(message).not.toContain(e.name);
    }
  });

  it("gives hints only for errors the program has", () => {
    const names = new Set(idl.errors.map((e) => e.name));
    for (const name of Object.keys(HINTS)) expect(names.has(name), name).toBe(true);
  });

  it("maps a refusal by the program, by the token program and by anything else", () => {
    const band = idl.errors.find((e) => e.name === "PriceOutsideBand")!;
    expect(humanError(preflight(band.code, 1), [COMPUTE, PERP], PERP)).toBe(
      "Order price lies outside the oracle price band. Choose a price closer to the oracle price.",
    );
    // A failed transfer inside a deposit fails our instruction with SPL Token's code.
    expect(humanError(preflight(1, 0), [PERP], PERP)).toBe("Not enough funds in your wallet (test USDC for a deposit, SOL for a new account)");
    expect(humanError(preflight(2006, 0), [PERP], PERP)).toBe("An account is not at the address the program derives for it");
    expect(humanError(preflight(7, 0), [COMPUTE], PERP)).toBe("Instruction 1 failed (error 7)");
    expect(humanError(new Error("User rejected the request."), [], PERP)).toBe("You declined the request in your wallet");
    expect(humanError(new Error("boom"), [], PERP)).toBe("The transaction failed: boom");
  });
});
