import { useState } from "react";
import type { Address } from "@solana/kit";
import type { MarginAccount } from "../generated";
import type { MarketUnits } from "../format/units";
import { deposit, withdraw, type MarketRef } from "../market/actions";
import type { AccountRisk } from "../market/risk";
import { useExchange } from "../state";

interface Props {
  ref_: MarketRef;
  units: MarketUnits;
  account: MarginAccount | null | undefined;
  risk: AccountRisk | null;
  ata: Address | null;
  walletBalance: bigint | undefined;
}

/** Deposit from and withdraw to the wallet's quote-token account, with what may be withdrawn. */
export function Funds({ ref_, units, account, risk, ata, walletBalance }: Props) {
  const { session, run } = useExchange();
  const [depositText, setDepositText] = useState("");
  const [withdrawText, setWithdrawText] = useState("");
  if (!session) return null;
  const depositAmount = units.parseQuote(depositText);
  const withdrawAmount = units.parseQuote(withdrawText);
  const withdrawable = risk?.withdrawable ?? 0n;
  return (
    <section className="panel funds" data-testid="funds">
      <h3>Collateral</h3>
      <dl>
        <dt>Wallet</dt>
        <dd data-testid="wallet-balance">{walletBalance === undefined ? "…" : units.formatNative(walletBalance)} USDC</dd>
        <dt>Deposited</dt>
        <dd data-testid="collateral">{account ? units.formatNative(account.collateral) : "0.00"} USDC</dd>
        <dt>Withdrawable</dt>
        <dd data-testid="withdrawable">{units.formatNative(withdrawable)} USDC</dd>
      </dl>
      <div className="row">
        <input data-testid="deposit-amount" placeholder="amount" value={depositText} onChange={(e) => setDepositText(e.target.value)} inputMode="decimal" />
        <button
          data-testid="deposit"
          disabled={!ata || !depositAmount || account === undefined}
          onClick={() =>
            void run(`Deposit ${units.formatNative(depositAmount!)} USDC`, () => deposit(ref_, session.signer, ata!, depositAmount!, account !== null)).then(
              (ok) => ok && setDepositText(""),
            )
          }
        >
          Deposit
        </button>
      </div>
      <div className="row">
        <input data-testid="withdraw-amount" placeholder="amount" value={withdrawText} onChange={(e) => setWithdrawText(e.target.value)} inputMode="decimal" />
        <button className="link" onClick={() => setWithdrawText(units.formatNative(withdrawable, units.s.quoteDecimals).replace(/,/g, ""))}>
          max
        </button>
        <button
          data-testid="withdraw"
          disabled={!ata || !withdrawAmount || !account}
          onClick={() =>
            void run(`Withdraw ${units.formatNative(withdrawAmount!)} USDC`, () => withdraw(ref_, session.signer, ata!, withdrawAmount!)).then(
              (ok) => ok && setWithdrawText(""),
            )
          }
        >
          Withdraw
        </button>
      </div>
    </section>
  );
}
