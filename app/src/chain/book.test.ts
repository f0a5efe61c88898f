import { describe, expect, it } from "vitest";
import { getOrderBookAccountEncoder, type BookSide40968192, type Node, type OrderBookAccount, type RestingOrder } from "../generated";
import { levels as walk } from "./book";

const NIL = 0xffff_ffff;
const U64 = (1n << 64n) - 1n;
/** A side's pools: 4,096 orders, 8,192 tree nodes (unused ones zeroed, as on chain). */
const CAPACITY = 4096;

const leaf = (high: bigint, low: bigint, slot: number, parent: number): Node => ({
  words: [high, low],
  links: [slot, 0],
  parent,
  critBit: 0,
  tag: 2,
  padding: new Uint8Array(2),
});
const inner = (left: number, right: number, parent: number): Node => ({
  words: [0n, 0n],
  links: [left, right],
  parent,
  critBit: 0,
  tag: 1,
  padding: new Uint8Array(2),
});
const order = (baseLots: bigint, expiresAt = 0n): RestingOrder => ({
  owner: new Uint8Array(32),
  baseLots,
  clientOrderId: 0n,
  expiresAt,
  reserved: new Uint8Array(8),
});
const FREE_NODE = { words: [0n, 0n], links: [0, 0], parent: 0, critBit: 0, tag: 0, padding: new Uint8Array(2) };
const pad = <T>(items: T[], size: number, empty: T) => [...items, ...Array.from({ length: size - items.length }, () => empty)];

/** A side whose tree is `nodes` (index 0 the root) over `orders`. */
function side(nodes: Node[], orders: RestingOrder[]): BookSide40968192 {
  return {
    tree: { root: nodes.length ? 0 : NIL, leafCount: orders.length, freeHead: NIL, bump: nodes.length, minLeaf: NIL, padding: 0, nodes: pad(nodes, 2 * CAPACITY, FREE_NODE) },
    freeHead: NIL,
    bump: orders.length,
    orders: pad(orders, CAPACITY, order(0n)),
  };
}

/** The account's bytes, as the app receives them: the engine walks these. */
function book(bids: BookSide40968192, asks: BookSide40968192): Uint8Array {
  const account: OrderBookAccount = { discriminator: new Uint8Array(8), market: "11111111111111111111111111111111" as never, book: { nextSeq: 0n, feesAccrued: 0n, bids, asks } };
  return getOrderBookAccountEncoder().encode(account) as Uint8Array;
}

const levels = walk;

describe("order book levels", () => {
  // Bids keep !price in the key's high half, so the best (highest) bid is the smallest key:
  // an in-order walk (left child first) visits 101, 100, 100.
  const bidKey = (p: bigint) => ~p & U64;
  const bids = side(
    [inner(1, 2, NIL), leaf(bidKey(101n), 5n, 0, 0), inner(3, 4, 0), leaf(bidKey(100n), 1n, 1, 2), leaf(bidKey(100n), 2n, 2, 2)],
    [order(7n), order(3n), order(4n)],
  );
  const asks = side([inner(1, 2, NIL), leaf(102n, 1n, 0, 0), leaf(103n, 2n, 1, 0)], [order(1n), order(9n, 50n)]);

  it("walks each side best first and sums orders at one price", () => {
    expect(levels(book(bids, asks), 10n, 10)).toEqual({
      bids: [
        { priceTicks: 101n, baseLots: 7n, orders: 1 },
        { priceTicks: 100n, baseLots: 7n, orders: 2 },
      ],
      asks: [
        { priceTicks: 102n, baseLots: 1n, orders: 1 },
        { priceTicks: 103n, baseLots: 9n, orders: 1 },
      ],
    });
  });

  it("leaves out expired orders and stops at the depth asked for", () => {
    const l = levels(book(bids, asks), 50n, 1);
    expect(l.bids).toEqual([{ priceTicks: 101n, baseLots: 7n, orders: 1 }]);
    expect(l.asks).toEqual([{ priceTicks: 102n, baseLots: 1n, orders: 1 }]);
  });

  it("shows an empty book as empty", () => {
    expect(levels(book(side([], []), side([], [])), 0n, 5)).toEqual({ bids: [], asks: [] });
  });

  it("refuses a corrupt tree instead of showing a wrong book", () => {
    // A link into nodes never used, and a cycle: the walk refuses both.
    const dangling = side([inner(1, 9, NIL), leaf(5n, 0n, 0, 0)], [order(1n)]);
    expect(() => levels(book(side([], []), dangling), 0n, 5)).toThrow(/BookCorrupt/);
    const cycle = side([inner(0, 1, NIL), leaf(5n, 0n, 0, 0)], [order(1n)]);
    expect(() => levels(book(side([], []), cycle), 0n, 5)).toThrow(/BookCorrupt/);
    // A leaf past its orders traps in the engine; the module restarts and keeps answering.
    const pastOrders = side([leaf(5n, 0n, CAPACITY + 3, NIL)], [order(1n)]);
    expect(() => levels(book(side([], []), pastOrders), 0n, 5)).toThrow(/BookCorrupt/);
    expect(levels(book(bids, asks), 10n, 1).bids).toEqual([{ priceTicks: 101n, baseLots: 7n, orders: 1 }]);
  });
});
