// The program's book events from transaction logs (Anchor's `emit!`: "Program data: <base64>"
// of an 8-byte discriminator and the event's borsh payload; the local exchange, which runs the
// program natively, serves its logs in the same form), decoded by the generated client. The
// indexer reads the same lines (perp_sdk::events); the app reads them live when it is down.
// Both read only what our program writes inside its own invocation, and never a "Program log:"
// line (any program can print anything there).

import { getBase64Encoder, type Address, type Decoder, type Signature } from "@solana/kit";
import { address as PROGRAM_ID, events as idlEvents } from "../../idl/perp.json";
import {
  getBookEventLoggedDecoder,
  getOrderPlacedDecoder,
  getTriggerExecutedDecoder,
  getTriggerRemovedDecoder,
  type BookEventLogged,
  type OrderPlaced,
  type TriggerExecuted,
  type TriggerRemoved,
} from "../generated";
import type { Connection } from "./connection";

const PREFIX = "Program data: ";
const base64 = getBase64Encoder();

/** The events named `name` (in the IDL) in `logs`, decoded by `decoder` (whose constant prefix
 * is the event's discriminator). */
export function eventsOf<T>(logs: readonly string[], name: string, decoder: Decoder<T>): T[] {
  const discriminator = Uint8Array.from(idlEvents.find((e) => e.name === name)!.discriminator);
  const out: T[] = [];
  // Only lines our program writes while its own invocation runs: any program can print either
  // form, and a transaction that merely lists our id is not one of its invocations. A failed
  // invocation was rolled back: what was written inside it is dropped. Logs cut at the runtime's
  // size limit lose their closing lines: what is still open at the end is read as it stands (a
  // failed invocation fails the whole transaction, and callers skip failed transactions).
  const stack: { id: string; found: T[] }[] = [];
  for (const line of logs) {
    // The runtime's frame lines name a program id (base58); msg! output reads "Program log: …"
    // and can say anything after it.
    const [, id, what] = /^Program ([1-9A-HJ-NP-Za-km-z]{32,44}) (invoke|success|failed)/.exec(line) ?? [];
    if (id !== undefined) {
      if (what === "invoke") stack.push({ id, found: [] });
      else if (stack[stack.length - 1]?.id === id) {
        const frame = stack.pop()!;
        if (what === "success") (stack[stack.length - 1]?.found ?? out).push(...frame.found);
      }
      continue;
    }
    const top = stack[stack.length - 1];
    if (top?.id !== PROGRAM_ID) continue;
    if (!line.startsWith(PREFIX)) continue;
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(base64.encode(line.slice(PREFIX.length)));
    } catch {
      continue;
    }
    if (bytes.length < 8 || !discriminator.every((b, i) => bytes[i] === b)) continue;
    // The generated decoder checks the discriminator itself (a constant prefix). An event this
    // app cannot decode (a newer program's) is skipped, not fatal to the rest.
    try {
      top.found.push(decoder.decode(bytes));
    } catch {
      continue;
    }
  }
  for (let frame = stack.pop(); frame; frame = stack.pop()) (stack[stack.length - 1]?.found ?? out).push(...frame.found);
  return out;
}

const bookDecoder = getBookEventLoggedDecoder();
export const bookEvents = (logs: readonly string[]) => eventsOf(logs, "BookEventLogged", bookDecoder);

const executedDecoder = getTriggerExecutedDecoder();
const removedDecoder = getTriggerRemovedDecoder();
/** What became of trigger orders in a transaction: executed, or removed (and why). */
export const triggerEvents = (logs: readonly string[]): { executed: TriggerExecuted[]; removed: TriggerRemoved[] } => ({
  executed: eventsOf(logs, "TriggerExecuted", executedDecoder),
  removed: eventsOf(logs, "TriggerRemoved", removedDecoder),
});

/** What an order placement did, from its transaction's logs (null if the logs are gone). */
export async function orderOutcome(conn: Connection, signature: Signature): Promise<OrderPlaced | null> {
  const tx = await conn.rpc.getTransaction(signature, { commitment: "confirmed", maxSupportedTransactionVersion: 0, encoding: "json" }).send();
  return eventsOf(tx?.meta?.logMessages ?? [], "OrderPlaced", getOrderPlacedDecoder())[0] ?? null;
}

/** Calls `onLogs` with the logs of each successful transaction that mentions `mention` (an
 * account or a program), until `signal` aborts; resubscribes with a backoff when the socket
 * drops. */
export async function watchLogs(
  conn: Connection,
  mention: Address,
  onLogs: (signature: Signature, logs: readonly string[]) => void,
  signal: AbortSignal,
): Promise<void> {
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      const notifications = await conn.subscriptions
        .logsNotifications({ mentions: [mention] }, { commitment: "confirmed" })
        .subscribe({ abortSignal: signal });
      attempt = 0;
      for await (const n of notifications) {
        if (n.value.err) continue;
        onLogs(n.value.signature, n.value.logs ?? []);
      }
    } catch (e) {
      if (signal.aborted) return;
      console.warn(`watching the logs mentioning ${mention}:`, e);
    }
    await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 8000)));
  }
}

/** Calls `onEvents` with the book events of each successful transaction that mentions
 * `program` (see `watchLogs`). */
export function watchBookEvents(
  conn: Connection,
  program: Address,
  onEvents: (signature: Signature, events: BookEventLogged[]) => void,
  signal: AbortSignal,
): Promise<void> {
  return watchLogs(
    conn,
    program,
    (signature, logs) => {
      const events = bookEvents(logs);
      if (events.length > 0) onEvents(signature, events);
    },
    signal,
  );
}
