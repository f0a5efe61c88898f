import { useState } from "react";
import type { Address } from "@solana/kit";
import type { MarginAccount } from "../generated";
import type { MarketUnits } from "../format/units";
import { deposit, withdraw, type MarketRef } from "../market/actions";
import { useExchange, usePending } from "../state";

interface Props {
  ref_: MarketRef;
  units: MarketUnits;
  account: MarginAccount | null | undefined;
  /** What may be withdrawn now (`withdrawableNow`). */
  withdrawable: bigint;
  ata: Address | null;
  walletBalance: bigint | undefined;
  symbol: string;
}

/** Deposit from and withdraw to the wallet's quote-token account, with what may be withdrawn. */
export function Funds({ ref_, units, account, withdrawable, ata, walletBalance, symbol }: Props) {
  const { session, run } = useExchange();
  const [depositing, depositOnce] = usePending();
  const [withdrawing, withdrawOnce] = usePending();
  const [depositText, setDepositText] = useState("");
  const [withdrawText, setWithdrawText] = useState("");
  if (!session) return null;
  const depositAmount = units.parseQuote(depositText);
  const withdrawAmount = units.parseQuote(withdrawText);
  return (
    <section className="panel funds" data-testid="funds">
      <h3>
        Collateral <span className="muted small">· {symbol} only (each market's collateral is its own)</span>
      </h3>
      <dl>
        <dt>Wallet</dt>
        <dd data-testid="wallet-balance">{walletBalance === undefined ? "…" : units.formatNative(walletBalance)} USDC</dd>
        <dt>Deposited</dt>
        <dd data-testid="collateral">{account ? units.formatNative(account.collateral) : "0.00"} USDC</dd>
        <dt>Withdrawable</dt>
        <dd data-testid="withdrawable">{units.formatNative(withdrawable)} USDC</dd>
      </dl>
      <div className="row">
        <input data-testid="deposit-amount" aria-label="Deposit amount (USDC)" placeholder="deposit amount" value={depositText} onChange={(e) => setDepositText(e.target.value)} inputMode="decimal" />
        <button
          data-testid="deposit"
          disabled={!ata || !depositAmount || account === undefined || depositing}
          onClick={() =>
            void depositOnce(() =>
              run(`Deposit ${units.formatNative(depositAmount!)} USDC`, () => deposit(ref_, session.signer, ata!, depositAmount!, account !== null), undefined, symbol).then(
                (ok) => ok && setDepositText(""),
              ),
            )
          }
        >
          Deposit
        </button>
      </div>
      <div className="row">
        <input data-testid="withdraw-amount" aria-label="Withdraw amount (USDC)" placeholder="withdraw amount" value={withdrawText} onChange={(e) => setWithdrawText(e.target.value)} inputMode="decimal" />
        <button className="link" onClick={() => setWithdrawText(units.formatNative(withdrawable, units.s.quoteDecimals).replace(/,/g, ""))}>
          max
        </button>
        <button
          data-testid="withdraw"
          disabled={!ata || !withdrawAmount || !account || withdrawing}
          onClick={() =>
            void withdrawOnce(() =>
              run(`Withdraw ${units.formatNative(withdrawAmount!)} USDC`, () => withdraw(ref_, session.signer, ata!, withdrawAmount!), undefined, symbol).then(
                (ok) => ok && setWithdrawText(""),
              ),
            )
          }
        >
          Withdraw
        </button>
      </div>
    </section>
  );
}
