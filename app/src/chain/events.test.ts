import { describe, expect, it } from "vitest";
import { getBase64Decoder, type Address } from "@solana/kit";
import { address as PROGRAM, events as idlEvents } from "../../idl/perp.json";
import { getBookEventLoggedEncoder } from "../generated";
import { bookEvents } from "./events";

const discriminator = (name: string) => idlEvents.find((e) => e.name === name)!.discriminator;
const line = (bytes: Uint8Array, prefix = "Program data: ") => `${prefix}${getBase64Decoder().decode(bytes)}`;
const KEY = "11111111111111111111111111111111" as Address;

describe("book events from logs", () => {
  it("decodes the program's fill events and skips every other line", () => {
    const fill = { market: KEY, kind: 1, makerSide: 1, maker: KEY, taker: KEY, orderId: 7n, clientOrderId: 3n, priceTicks: 15_025n, baseLots: 837n, makerFee: -2n, timestamp: 1_700_000_000n };
    const event = new Uint8Array(getBookEventLoggedEncoder().encode(fill));
    expect([...event.subarray(0, 8)]).toEqual(discriminator("BookEventLogged"));
    const other = new Uint8Array([...discriminator("OrderPlaced"), 1, 2, 3]);
    // A "Program log:" line is never an event, even inside our invocation.
    const logs = [`Program ${PROGRAM} invoke [1]`, line(other), line(event), "Program data: not base64!", line(event, "Program log: data: "), line(event), `Program ${PROGRAM} success`];
    expect(bookEvents(logs)).toEqual([fill, fill]);
  });

  it("reads only what our program writes inside its own invocation", () => {
    const fill = { market: KEY, kind: 1, makerSide: 1, maker: KEY, taker: KEY, orderId: 1n, clientOrderId: 1n, priceTicks: 1n, baseLots: 1_000_000_000_000n, makerFee: 0n, timestamp: 1n };
    const forged = line(new Uint8Array(getBookEventLoggedEncoder().encode(fill)));
    const logs = [
      // Another program prints an encoded fill; a transaction that only lists our id; a program
      // our program calls printing one.
      `Program ${KEY} invoke [1]`, forged, `Program ${KEY} success`,
      forged,
      `Program ${PROGRAM} invoke [1]`, `Program ${KEY} invoke [2]`, forged, `Program ${KEY} success`, `Program ${PROGRAM} success`,
      // Ours, but rolled back: the invocation failed.
      `Program ${PROGRAM} invoke [1]`, forged, `Program ${PROGRAM} failed: custom program error: 0x1`,
    ];
    expect(bookEvents(logs)).toEqual([]);
  });

  it("keeps what was written before the runtime truncated the logs", () => {
    const fill = { market: KEY, kind: 1, makerSide: 1, maker: KEY, taker: KEY, orderId: 2n, clientOrderId: 2n, priceTicks: 5n, baseLots: 3n, makerFee: 0n, timestamp: 2n };
    const event = line(new Uint8Array(getBookEventLoggedEncoder().encode(fill)));
    expect(bookEvents([`Program ${PROGRAM} invoke [1]`, event, "Log truncated"])).toEqual([fill]);
  });

  // Audit 22b: "Program log: invoke" / "Program log: failed" (any program's msg! output) pass for
  // the runtime's frame lines. A program that calls ours brackets the call with them: the
  // transaction succeeds, our fills happened, and the decoder drops them as rolled back.
  it("does not let a caller's msg! lines roll back our events", () => {
    const fill = { market: KEY, kind: 1, makerSide: 1, maker: KEY, taker: KEY, orderId: 9n, clientOrderId: 9n, priceTicks: 15_000n, baseLots: 10n, makerFee: 0n, timestamp: 3n };
    const event = line(new Uint8Array(getBookEventLoggedEncoder().encode(fill)));
    const wrapper = "Wrapper1111111111111111111111111111111111111";
    const logs = [
      `Program ${wrapper} invoke [1]`,
      "Program log: invoke",
      `Program ${PROGRAM} invoke [2]`,
      event,
      `Program ${PROGRAM} success`,
      "Program log: failed",
      `Program ${wrapper} success`,
    ];
    expect(bookEvents(logs)).toEqual([fill]);
  });
});
