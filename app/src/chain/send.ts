// One place that turns instructions into a confirmed transaction: latest blockhash, the wallet
// as fee payer and signer, preflight on our RPC (which returns the program's error code), then
// confirmation over PubSub. Failures come back as a human message.

import {
  appendTransactionMessageInstructions,
  assertIsTransactionWithBlockhashLifetime,
  createTransactionMessage,
  getSignatureFromTransaction,
  pipe,
  sendAndConfirmTransactionFactory,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  type Address,
  type Instruction,
  type Signature,
  type TransactionSigner,
} from "@solana/kit";
import type { Connection } from "./connection";
import { humanError } from "./errors";

export class TxError extends Error {
  constructor(message: string, readonly cause: unknown) {
    super(message);
  }
}

export interface Sent {
  signature: Signature;
  /** `performance.now()` when the cluster confirmed it. */
  confirmedAt: number;
}

export async function sendInstructions(
  conn: Connection,
  signer: TransactionSigner,
  instructions: readonly Instruction[],
  perp: Address,
): Promise<Sent> {
  try {
    const { value: blockhash } = await conn.rpc.getLatestBlockhash({ commitment: "confirmed" }).send();
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayerSigner(signer, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash, m),
      (m) => appendTransactionMessageInstructions(instructions, m),
    );
    const transaction = await signTransactionMessageWithSigners(message);
    assertIsTransactionWithBlockhashLifetime(transaction);
    await sendAndConfirmTransactionFactory({ rpc: conn.rpc, rpcSubscriptions: conn.subscriptions })(transaction, {
      commitment: "confirmed",
    });
    return { signature: getSignatureFromTransaction(transaction), confirmedAt: performance.now() };
  } catch (e) {
    const called = instructions.map((i) => i.programAddress);
    throw new TxError(humanError(e, called, perp), e);
  }
}
