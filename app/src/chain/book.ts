// The order book account (decoded by the generated client) as price levels. Each side is a
// critbit tree whose leaves are keyed by order id: the high 64 bits are the price in ticks
// (bitwise-inverted on the bid side, so the best order is always the smallest key), the leaf's
// first link is the order's slot in the side's order array. An in-order walk therefore visits
// orders best first, as the program matches them.

import type { BookSide40968192, OrderBookAccount } from "../generated";

const NIL = 0xffff_ffff;
const INNER = 1;
const LEAF = 2;
const U64 = (1n << 64n) - 1n;
/** Deepest possible path (128-bit keys), the bound on the walk's stack. */
const MAX_DEPTH = 129;

export interface Level {
  priceTicks: bigint;
  baseLots: bigint;
  orders: number;
}

export interface Book {
  bids: Level[];
  asks: Level[];
}

/** Orders of one side, best first, as (price ticks, lots, owner bytes). Orders expired at
 * `now` are left out: the program no longer matches them. */
export function* sideOrders(side: BookSide40968192, isBid: boolean, now: bigint) {
  const nodes = side.tree.nodes;
  const stack: number[] = [];
  if (side.tree.root !== NIL) stack.push(side.tree.root);
  while (stack.length > 0) {
    if (stack.length > MAX_DEPTH) throw new Error("order book tree deeper than its keys");
    const node = nodes[stack.pop()!];
    if (!node) throw new Error("order book link out of range");
    if (node.tag === INNER) {
      stack.push(node.links[1]!, node.links[0]!);
    } else if (node.tag === LEAF) {
      const order = side.orders[node.links[0]!];
      if (!order) throw new Error("order book leaf points past its orders");
      if (order.expiresAt !== 0n && order.expiresAt <= now) continue;
      const high = node.words[0]!;
      yield { priceTicks: isBid ? ~high & U64 : high, baseLots: order.baseLots, owner: order.owner };
    }
  }
}

/** Up to `depth` price levels per side, best first. */
export function levels(account: OrderBookAccount, now: bigint, depth: number): Book {
  const side = (s: BookSide40968192, isBid: boolean) => {
    const out: Level[] = [];
    for (const o of sideOrders(s, isBid, now)) {
      const last = out[out.length - 1];
      if (last && last.priceTicks === o.priceTicks) {
        last.baseLots += o.baseLots;
        last.orders += 1;
      } else {
        if (out.length === depth) break;
        out.push({ priceTicks: o.priceTicks, baseLots: o.baseLots, orders: 1 });
      }
    }
    return out;
  };
  return { bids: side(account.book.bids, true), asks: side(account.book.asks, false) };
}
