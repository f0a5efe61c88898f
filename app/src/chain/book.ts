// The order book account as price levels, walked by the engine itself (its WebAssembly module
// reads the account's raw bytes with its own crit-bit types: the key layout is not restated
// here). Orders expired at `now` are left out, as the program no longer matches them.

import { bookLevels, type Book, type Level } from "../math/engine";

export type { Book, Level };

/** Up to `depth` price levels per side of the book account `data` (raw bytes), best first. */
export function levels(data: Uint8Array, now: bigint, depth: number): Book {
  return bookLevels(data, now, depth);
}
