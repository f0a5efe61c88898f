// The trader's instructions, built by the generated client from the decoded market. Oracle
// accounts come from the market's own configuration (an unset source is the default address,
// passed as Anchor's "absent optional account").

import type { Address, Instruction, TransactionSigner } from "@solana/kit";
import {
  OrderSide,
  OrderType,
  SelfTradeBehavior,
  findMarginAccountPda,
  getCollateralDepositInstructionAsync,
  getCollateralWithdrawInstructionAsync,
  getMarginAccountCreateInstructionAsync,
  getOrderCancelAllInstruction,
  getOrderCancelInstruction,
  getOrderPlaceInstructionAsync,
  findTriggerOrdersPda,
  getTriggerCancelInstruction,
  getTriggerOrdersCreateInstructionAsync,
  getTriggerPlaceInstruction,
  type Market,
  type TriggerArgsArgs,
} from "../generated";
import type { ClosePlan } from "./close";

const UNSET = "11111111111111111111111111111111";
/** Resting orders one order may take at most (bounds the transaction's compute). */
export const FILL_LIMIT = 16;

export interface MarketRef {
  address: Address;
  book: Address;
  eventQueue: Address;
  program: Address;
  market: Market;
}

function oracles(m: Market) {
  const o = m.oracle;
  return {
    pythPriceUpdate: o.pythPriceUpdate === UNSET ? undefined : o.pythPriceUpdate,
    switchboardFeed: o.switchboardFeed === UNSET ? undefined : o.switchboardFeed,
  };
}

export async function marginAccountAddress(program: Address, market: Address, owner: Address): Promise<Address> {
  const [pda] = await findMarginAccountPda({ market, owner, subAccountId: 0 }, { programAddress: program });
  return pda;
}

/** Deposit `amount` native units from `source`, opening the margin account first if needed. */
export async function deposit(r: MarketRef, signer: TransactionSigner, source: Address, amount: bigint, accountExists: boolean): Promise<Instruction[]> {
  const config = { programAddress: r.program };
  const marginAccount = await marginAccountAddress(r.program, r.address, signer.address);
  const out: Instruction[] = [];
  if (!accountExists) {
    out.push(await getMarginAccountCreateInstructionAsync({ owner: signer, payer: signer, market: r.address, marginAccount, subAccountId: 0 }, config));
  }
  out.push(
    await getCollateralDepositInstructionAsync(
      {
        depositor: signer,
        market: r.address,
        marginAccount,
        collateralVault: r.market.collateralVault,
        quoteMint: r.market.quoteMint,
        source,
        tokenProgram: r.market.quoteTokenProgram,
        amount,
      },
      config,
    ),
  );
  return out;
}

export async function withdraw(r: MarketRef, signer: TransactionSigner, destination: Address, amount: bigint): Promise<Instruction[]> {
  const marginAccount = await marginAccountAddress(r.program, r.address, signer.address);
  return [
    await getCollateralWithdrawInstructionAsync(
      {
        owner: signer,
        market: r.address,
        marginAccount,
        collateralVault: r.market.collateralVault,
        quoteMint: r.market.quoteMint,
        destination,
        tokenProgram: r.market.quoteTokenProgram,
        ...oracles(r.market),
        amount,
      },
      { programAddress: r.program },
    ),
  ];
}

export type OrderKind = "limit" | "market" | "postOnly" | "ioc";

const ORDER_TYPES: Record<OrderKind, OrderType> = {
  limit: OrderType.Limit,
  market: OrderType.Market,
  postOnly: OrderType.PostOnly,
  ioc: OrderType.ImmediateOrCancel,
};

export interface NewOrder {
  isBid: boolean;
  kind: OrderKind;
  /** Limit price in ticks (0 for a market order: the band edge). */
  priceTicks: bigint;
  lots: bigint;
  reduceOnly: boolean;
  clientOrderId: bigint;
}

export async function placeOrder(r: MarketRef, signer: TransactionSigner, o: NewOrder): Promise<Instruction[]> {
  const marginAccount = await marginAccountAddress(r.program, r.address, signer.address);
  return [
    await getOrderPlaceInstructionAsync(
      {
        signer,
        market: r.address,
        marginAccount,
        book: r.book,
        eventQueue: r.eventQueue,
        ...oracles(r.market),
        args: {
          side: o.isBid ? OrderSide.Bid : OrderSide.Ask,
          orderType: ORDER_TYPES[o.kind],
          priceTicks: o.priceTicks,
          baseLots: o.lots,
          reduceOnly: o.reduceOnly,
          clientOrderId: o.clientOrderId,
          expiresAt: 0,
          selfTrade: SelfTradeBehavior.DecrementTake,
          fillLimit: FILL_LIMIT,
        },
      },
      { programAddress: r.program },
    ),
  ];
}

export async function cancelOrder(r: MarketRef, signer: TransactionSigner, orderId: bigint): Promise<Instruction[]> {
  const marginAccount = await marginAccountAddress(r.program, r.address, signer.address);
  return [getOrderCancelInstruction({ signer, market: r.address, marginAccount, book: r.book, orderId }, { programAddress: r.program })];
}

/** Cancels every open order of the signer's account, or only those on `side`. */
export async function cancelAll(r: MarketRef, signer: TransactionSigner, side: OrderSide | null = null): Promise<Instruction[]> {
  const marginAccount = await marginAccountAddress(r.program, r.address, signer.address);
  return [getOrderCancelAllInstruction({ signer, market: r.address, marginAccount, book: r.book, side }, { programAddress: r.program })];
}

/** One transaction that closes the position as `plan` says: the resting orders on the closing
 * side cancelled first (they would use up the reduce-only allowance), then a reduce-only market
 * order limited to the plan's worst price (so it needs no price band), or a reduce-only limit
 * order at the plan's price. With `cancelTriggersToo` (a market close of an account with a
 * trigger account), its take-profits and stop-losses go too: left behind, they would act on the
 * trader's next position. */
export async function closePosition(r: MarketRef, signer: TransactionSigner, plan: ClosePlan, clientOrderId: bigint, cancelTriggersToo = false): Promise<Instruction[]> {
  // Always, not only when the last render saw orders there: one may have landed since, and
  // cancelling an empty side is harmless.
  const cancel = await cancelAll(r, signer, plan.isBid ? OrderSide.Bid : OrderSide.Ask);
  const triggers = cancelTriggersToo ? await cancelTriggers(r, signer, null) : [];
  const close = await placeOrder(r, signer, { isBid: plan.isBid, kind: plan.kind, priceTicks: plan.worstTicks, lots: plan.lots, reduceOnly: true, clientOrderId });
  return [...cancel, ...triggers, ...close];
}

/** The margin account's trigger-order account (a PDA of the margin account). */
export async function triggerOrdersAddress(program: Address, marginAccount: Address): Promise<Address> {
  const [pda] = await findTriggerOrdersPda({ marginAccount }, { programAddress: program });
  return pda;
}

/** Places `triggers` (one, or two linked as a bracket), creating the account's trigger-order
 * account first when it has none (the signer pays its rent and gets it back when it closes). */
export async function placeTriggers(r: MarketRef, signer: TransactionSigner, triggers: TriggerArgsArgs[], triggerAccountExists: boolean): Promise<Instruction[]> {
  const [trigger, bracket] = triggers;
  if (!trigger || triggers.length > 2) throw new Error("one trigger, or two as a bracket");
  const config = { programAddress: r.program };
  const marginAccount = await marginAccountAddress(r.program, r.address, signer.address);
  const triggerOrders = await triggerOrdersAddress(r.program, marginAccount);
  const out: Instruction[] = [];
  if (!triggerAccountExists) {
    out.push(await getTriggerOrdersCreateInstructionAsync({ signer, payer: signer, marginAccount, triggerOrders }, config));
  }
  out.push(getTriggerPlaceInstruction({ signer, market: r.address, marginAccount, triggerOrders, trigger, bracket: bracket ?? null }, config));
  return out;
}

/** Cancels trigger `id` (a bracket's other leg stays), or every trigger with `null`. */
export async function cancelTriggers(r: MarketRef, signer: TransactionSigner, id: bigint | null): Promise<Instruction[]> {
  const marginAccount = await marginAccountAddress(r.program, r.address, signer.address);
  const triggerOrders = await triggerOrdersAddress(r.program, marginAccount);
  return [getTriggerCancelInstruction({ signer, marginAccount, triggerOrders, triggerId: id }, { programAddress: r.program })];
}
