import { describe, expect, it } from "vitest";
import { address, createNoopSigner, type Instruction } from "@solana/kit";
import {
  ORDER_CANCEL_ALL_DISCRIMINATOR,
  ORDER_PLACE_DISCRIMINATOR,
  TRIGGER_CANCEL_DISCRIMINATOR,
  TRIGGER_ORDERS_CREATE_DISCRIMINATOR,
  TRIGGER_PLACE_DISCRIMINATOR,
  OrderSide,
  TriggerDirection,
  TriggerOrderKind,
  type Market,
} from "../generated";
import { closePosition, placeTriggers, type MarketRef } from "./actions";

const UNSET = address("11111111111111111111111111111111");
const ref: MarketRef = {
  program: address("PerpDex111111111111111111111111111111111111"),
  address: address("Market1111111111111111111111111111111111111"),
  book: address("Book111111111111111111111111111111111111111"),
  eventQueue: address("Queue11111111111111111111111111111111111111"),
  market: { oracle: { pythPriceUpdate: UNSET, switchboardFeed: UNSET } } as unknown as Market,
};
const signer = createNoopSigner(address("Trader1111111111111111111111111111111111111"));
const NAMES: [Uint8Array, string][] = [
  [ORDER_CANCEL_ALL_DISCRIMINATOR, "order_cancel_all"],
  [ORDER_PLACE_DISCRIMINATOR, "order_place"],
  [TRIGGER_CANCEL_DISCRIMINATOR, "trigger_cancel"],
  [TRIGGER_ORDERS_CREATE_DISCRIMINATOR, "trigger_orders_create"],
  [TRIGGER_PLACE_DISCRIMINATOR, "trigger_place"],
];
/** Each instruction by name (its Anchor discriminator). */
const names = (ixs: Instruction[]) => ixs.map((ix) => NAMES.find(([d]) => d.every((b, i) => ix.data![i] === b))?.[1] ?? "other");
const stop = {
  side: OrderSide.Ask,
  kind: TriggerOrderKind.Market,
  direction: TriggerDirection.AtOrBelow,
  triggerPriceTicks: 14_000n,
  limitPriceTicks: 13_580n,
  baseLots: 100n,
  reduceOnly: true,
  clientOrderId: 1n,
  expiresAt: 0n,
};

describe("the trader's trigger instructions", () => {
  it("open the trigger account only when the account has none", async () => {
    expect(names(await placeTriggers(ref, signer, [stop], false))).toEqual(["trigger_orders_create", "trigger_place"]);
    expect(names(await placeTriggers(ref, signer, [stop, { ...stop, direction: TriggerDirection.AtOrAbove }], true))).toEqual(["trigger_place"]);
    await expect(placeTriggers(ref, signer, [], true)).rejects.toThrow("one trigger, or two as a bracket");
  });

  it("go with a market close, not without being asked", async () => {
    const plan = { isBid: false, lots: 100n, worstTicks: 14_550n, kind: "market" as const, cancelFirst: 0, atBandEdge: false };
    expect(names(await closePosition(ref, signer, plan, 1n, true))).toEqual(["order_cancel_all", "trigger_cancel", "order_place"]);
    expect(names(await closePosition(ref, signer, plan, 1n))).toEqual(["order_cancel_all", "order_place"]);
  });
});
