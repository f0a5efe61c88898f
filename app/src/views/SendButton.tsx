import type { ReactNode } from "react";
import type { Instruction, TransactionSigner } from "@solana/kit";
import { useExchange, usePending } from "../state";

/** A button that signs and sends what `build` returns, with `what` as its notice; none without a
 * wallet. The buttons of one panel share `pending` (one send at a time: a double-click or a
 * second cancel would send what then fails). */
export function SendButton(p: {
  what: string;
  build: (signer: TransactionSigner) => Promise<Instruction[]>;
  pending: ReturnType<typeof usePending>;
  symbol: string;
  testId: string;
  className?: string;
  children: ReactNode;
}) {
  const { session, run } = useExchange();
  const [busy, once] = p.pending;
  if (!session) return null;
  return (
    <button className={p.className} data-testid={p.testId} disabled={busy} onClick={() => void once(() => run(p.what, () => p.build(session.signer), undefined, p.symbol))}>
      {p.children}
    </button>
  );
}
