import { describe, expect, it } from "vitest";
import type { TriggerOrder, TriggerOrders } from "../generated";
import { OrderSide, TriggerDirection, TriggerOrderKind, TriggerRemovalReason } from "../generated";
import { MarketUnits } from "../format/units";
import { FLAT_TRADER } from "../math/engine";
import { activeTriggers, entryProtectionRefusal, triggerCaveat, freeTriggerSlots, parseProtection, protectionRefusal, protectionTriggers, triggerName, triggerNotice } from "./triggers";

// SOL-PERP's units: a tick is 0.01 USDC, a lot 0.01 SOL; the index at 150.00 (15,000 ticks).
const sol = new MarketUnits({ baseLotSize: 10_000_000n, quoteLotSize: 1n, tickSize: 100n, baseDecimals: 9, quoteDecimals: 6 });
const INDEX = 15_000n;
const fmt = (t: bigint) => sol.formatTicks(t);
const both = (take: bigint | null, stop: bigint | null) => ({ takeProfitTicks: take, stopLossTicks: stop });

describe("take-profit and stop-loss", () => {
  it("reads the prices in quote, either may be empty", () => {
    expect(parseProtection(sol, "155.00", "1,45")).toEqual(both(15_500n, 14_500n));
    expect(parseProtection(sol, "", " ")).toEqual(both(null, null));
    expect(parseProtection(sol, "155.001", "")).toBe("Take-profit price must be a multiple of 0.01");
    expect(parseProtection(sol, "", "abc")).toBe("Stop-loss price must be a multiple of 0.01");
  });

  it("refuses a stop or a take-profit the index has already crossed, with the index", () => {
    // A long: stop below, take-profit above.
    expect(protectionRefusal(both(15_500n, 14_500n), true, INDEX, 8, fmt)).toBeNull();
    expect(protectionRefusal(both(null, 15_100n), true, INDEX, 8, fmt)).toBe("A long's stop-loss must be below the index (150.00)");
    expect(protectionRefusal(both(null, INDEX), true, INDEX, 8, fmt)).toBe("A long's stop-loss must be below the index (150.00)");
    expect(protectionRefusal(both(14_900n, null), true, INDEX, 8, fmt)).toBe("A long's take-profit must be above the index (150.00)");
    // A short: the other way round.
    expect(protectionRefusal(both(14_500n, 15_500n), false, INDEX, 8, fmt)).toBeNull();
    expect(protectionRefusal(both(null, 14_500n), false, INDEX, 8, fmt)).toBe("A short's stop-loss must be above the index (150.00)");
    expect(protectionRefusal(both(15_500n, null), false, INDEX, 8, fmt)).toBe("A short's take-profit must be below the index (150.00)");
    expect(protectionRefusal(both(null, null), true, INDEX, 8, fmt)).toBe("Enter a take-profit or a stop-loss price");
  });

  it("needs a free slot for each leg", () => {
    expect(protectionRefusal(both(15_500n, 14_500n), true, INDEX, 1, fmt)).toBe("No free trigger slot for both: cancel a trigger first");
    expect(protectionRefusal(both(null, 14_500n), true, INDEX, 1, fmt)).toBeNull();
    expect(protectionRefusal(both(null, 14_500n), true, INDEX, 0, fmt)).toBe("No free trigger slot for it: cancel a trigger first");
  });

  it("sends reduce-only market orders on the closing side, 3% past the trigger at worst", () => {
    const [take, stop] = protectionTriggers(both(15_500n, 14_000n), true, 837n, sol, 100n, 1n, 7n);
    expect(take).toEqual({
      side: OrderSide.Ask,
      kind: TriggerOrderKind.Market,
      direction: TriggerDirection.AtOrAbove,
      triggerPriceTicks: 15_500n,
      limitPriceTicks: 15_035n,
      baseLots: 837n,
      reduceOnly: true,
      clientOrderId: 7n,
      expiresAt: 0n,
    });
    expect(stop).toMatchObject({ side: OrderSide.Ask, direction: TriggerDirection.AtOrBelow, triggerPriceTicks: 14_000n, limitPriceTicks: 13_580n });
    // A short buys back: its stop fires on a rise, its worst price above the trigger.
    const [shortStop] = protectionTriggers(both(null, 16_000n), false, 5n, sol, 100n, 1n, 1n);
    expect(shortStop).toMatchObject({ side: OrderSide.Bid, direction: TriggerDirection.AtOrAbove, limitPriceTicks: 16_480n, baseLots: 5n });
    expect(protectionTriggers(both(null, null), true, 5n, sol, 100n, 1n, 1n)).toEqual([]);
  });

  it("names a trigger by what it does to the position it closes", () => {
    expect(triggerName({ side: OrderSide.Ask, direction: TriggerDirection.AtOrBelow })).toBe("Stop-loss");
    expect(triggerName({ side: OrderSide.Ask, direction: TriggerDirection.AtOrAbove })).toBe("Take-profit");
    expect(triggerName({ side: OrderSide.Bid, direction: TriggerDirection.AtOrAbove })).toBe("Stop-loss");
    expect(triggerName({ side: OrderSide.Bid, direction: TriggerDirection.AtOrBelow })).toBe("Take-profit");
  });

  it("lists the slots in use, oldest first, and counts the free ones", () => {
    const slot = (id: bigint) => ({ id }) as TriggerOrder;
    const orders = { triggers: { nextId: 9n, slots: [slot(0n), slot(7n), slot(3n), ...Array.from({ length: 5 }, () => slot(0n))] } } as unknown as TriggerOrders;
    expect(activeTriggers(orders).map((t) => t.id)).toEqual([3n, 7n]);
    expect(activeTriggers(null)).toEqual([]);
    expect(freeTriggerSlots(orders)).toBe(6);
    expect(freeTriggerSlots(null)).toBe(8);
  });

  it("goes with an order that opens or adds to a position, never with one that reduces it", () => {
    const base = { isBid: true, rests: false, reduceOnly: false, position: 0n, protection: both(null, 14_500n), indexTicks: INDEX as bigint | null, freeSlots: 8, formatTicks: fmt };
    expect(entryProtectionRefusal(base)).toBeNull();
    expect(entryProtectionRefusal({ ...base, position: 100n })).toBeNull();
    expect(entryProtectionRefusal({ ...base, position: -100n })).toBe("This order reduces or flips your position: set TP/SL on the position instead");
    // A limit order may rest: its TP/SL would wait for a fill that may never come.
    expect(entryProtectionRefusal({ ...base, rests: true })).toBe("TP/SL go with market or IOC orders: set them on the position once a limit order fills");
    expect(entryProtectionRefusal({ ...base, reduceOnly: true })).toBe("TP/SL protect a position the order opens: not with reduce-only");
    // A sell opens a short: its stop lies above the index.
    expect(entryProtectionRefusal({ ...base, isBid: false })).toBe("A short's stop-loss must be above the index (150.00)");
    expect(entryProtectionRefusal({ ...base, protection: "Stop-loss price must be a multiple of 0.01" })).toBe("Stop-loss price must be a multiple of 0.01");
    // Checked against the live index only: a stored one may be what a crash left behind.
    expect(entryProtectionRefusal({ ...base, indexTicks: null })).toBe("No live index to check TP/SL against (the oracles are at fault)");
  });
});

describe("what keeps a trigger from doing all it says", () => {
  const stop = { id: 1n, side: OrderSide.Ask, reduceOnly: 1, baseLots: 10n, filledLots: 0n } as TriggerOrder;
  const trader = (basePosition: bigint, asksBaseLots = 0n) => ({ ...FLAT_TRADER, basePosition, asksBaseLots });
  it("says nothing when it can close what it says", () => {
    expect(triggerCaveat(stop, trader(10n), sol)).toBeNull();
    expect(triggerCaveat(stop, trader(25n, 15n), sol)).toBeNull();
    expect(triggerCaveat({ ...stop, reduceOnly: 0 }, trader(0n), sol)).toBeNull();
  });

  it("warns of a take-profit resting ahead of it, with what it may still sell (the engine's)", () => {
    expect(triggerCaveat(stop, trader(10n, 7n), sol)).toBe("your resting sells come first: it may sell only 0.03 now");
  });

  it("warns when it would act on a position it was not set for", () => {
    expect(triggerCaveat(stop, trader(0n), sol)).toBe("no position: it would act on your next long; cancel it if that is not what you want");
    expect(triggerCaveat(stop, trader(-5n), sol)).toBe("it closes a long, and you hold a short: it would do nothing now");
  });
});

describe("what the trader is told when a keeper acts on a trigger", () => {
  const who = { market: "M" as never, marginAccount: "A" as never, triggerId: 3n, clientOrderId: 0n };
  const lots = (l: bigint) => `${l} lots`;
  const stop = { side: OrderSide.Ask, direction: TriggerDirection.AtOrBelow, kind: TriggerOrderKind.Market, reduceOnly: 1 };
  const executed = { ...who, executorAccount: "K" as never, baseLots: 100n, done: true, feeQuoteLots: 5n };
  it("says a stop fired, and how much it closed", () => {
    expect(triggerNotice({ executed }, stop, lots)).toEqual({ kind: "ok", text: "Stop-loss fired: 100 lots closed at market" });
    expect(triggerNotice({ executed: { ...executed, done: false } }, stop, lots)?.text).toBe("Stop-loss fired: part of it, 100 lots closed at market");
  });
  it("words what a limit or an opening trigger did as what it is", () => {
    expect(triggerNotice({ executed }, { ...stop, kind: TriggerOrderKind.Limit }, lots)?.text).toBe("Stop-loss fired: limit order for 100 lots placed");
    expect(triggerNotice({ executed }, { ...stop, reduceOnly: 0 }, lots)?.text).toBe("Stop-loss fired: 100 lots traded at market");
    expect(triggerNotice({ executed }, null, lots)?.text).toBe("Trigger fired: 100 lots closed at market");
  });
  it("tells of a removal without firing, warns when it leaves the trader unprotected, and says nothing of their own cancel", () => {
    const take = { ...stop, direction: TriggerDirection.AtOrAbove };
    const removed = (reason: TriggerRemovalReason) => triggerNotice({ removed: { ...who, reason } }, take, lots);
    expect(removed(TriggerRemovalReason.NothingToReduce)).toEqual({ kind: "ok", text: "Take-profit removed: no position left to reduce" });
    expect(removed(TriggerRemovalReason.Expired)).toEqual({ kind: "ok", text: "Take-profit expired" });
    expect(removed(TriggerRemovalReason.MarginRefused)).toEqual({ kind: "error", text: "Take-profit removed: its order was refused for margin" });
    expect(removed(TriggerRemovalReason.Cancelled)).toBeNull();
    expect(removed(TriggerRemovalReason.BracketFilled)).toBeNull();
    expect(removed(99 as TriggerRemovalReason)).toEqual({ kind: "error", text: "Take-profit removed" });
  });
});
