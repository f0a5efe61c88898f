import { useEffect, useRef, useState } from "react";
import type { Address } from "@solana/kit";
import type { Wallet } from "@wallet-standard/base";
import { useExchange } from "../state";
import { LAST_WALLET_KEY, connectWallet, disconnectWallet, onAccountsChange, useWallets, walletSigner } from "../wallet/wallets";
import { useLamports } from "../chain/tokens";
import { formatScaled } from "../format/units";

export const short = (a: string) => `${a.slice(0, 4)}…${a.slice(-4)}`;

export function Header({ page }: { page: string }) {
  const link = (to: string, label: string) => (
    <a href={`#/${to}`} className={page === to ? "active" : ""}>
      {label}
    </a>
  );
  return (
    <header>
      <span className="brand">Perp</span>
      <nav>
        {link("markets", "Markets")}
        {link("trade", "Trade")}
        {link("governance", "Governance")}
      </nav>
      <WalletButton />
    </header>
  );
}

function WalletButton() {
  const { session, setSession, conn, config } = useExchange();
  const wallets = useWallets();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [faucet, setFaucet] = useState<string | null>(null);
  const lamports = useLamports(conn, session?.owner ?? null);

  useEffect(() => {
    if (!session) return;
    // The user switched or removed the account in the wallet: follow it.
    return onAccountsChange(session.wallet, (accounts) => {
      const account = accounts[0];
      setSession(account ? { ...session, account, owner: account.address as Address, signer: walletSigner(session.wallet, account) } : null);
    });
  }, [session, setSession]);

  // Set once the trader picks a wallet: a silent reconnect still in flight must not replace it.
  const picked = useRef(false);
  const choose = async (wallet: Wallet, silent = false) => {
    setOpen(false);
    setError(null);
    if (!silent) picked.current = true;
    try {
      const account = await connectWallet(wallet, silent);
      if (silent && picked.current) return;
      setSession({ wallet, account, owner: account.address as Address, signer: walletSigner(wallet, account) });
      localStorage.setItem(LAST_WALLET_KEY, wallet.name);
    } catch (e) {
      // A silent reconnect the wallet declines just leaves the button; nothing to report.
      if (!silent) setError(`${wallet.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  // After a reload: reconnect the last wallet without asking, once it has registered.
  const [tried, setTried] = useState(false);
  useEffect(() => {
    if (session || tried) return;
    const last = localStorage.getItem(LAST_WALLET_KEY);
    const wallet = last ? wallets.find((w) => w.name === last) : undefined;
    if (!wallet) return;
    setTried(true);
    void choose(wallet, true);
  }, [session, tried, wallets]);

  const drip = async () => {
    if (!session || !config.faucetUrl) return;
    setFaucet("minting…");
    try {
      const r = await fetch(config.faucetUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ owner: session.owner, amount: 10_000 }),
      });
      const body = (await r.json()) as { error?: string };
      setFaucet(r.ok ? "10,000 test USDC sent" : `faucet: ${body.error ?? r.status}`);
    } catch (e) {
      setFaucet(`faucet unreachable: ${String(e)}`);
    }
  };

  if (session) {
    return (
      <div className="wallet">
        {config.faucetUrl && (
          <button onClick={drip} data-testid="faucet">
            Get test USDC
          </button>
        )}
        {faucet && <span className="muted" data-testid="faucet-status">{faucet}</span>}
        <span className="muted">{lamports === undefined ? "…" : `${formatScaled(lamports, 9, 3)} SOL`}</span>
        <span className="address" data-testid="wallet-address" title={session.owner}>
          {session.wallet.name} · {short(session.owner)}
        </span>
        <button
          onClick={() => {
            void disconnectWallet(session.wallet);
            localStorage.removeItem(LAST_WALLET_KEY);
            setSession(null);
          }}
        >
          Disconnect
        </button>
      </div>
    );
  }
  return (
    <div className="wallet">
      {error && <span className="error">{error}</span>}
      <button onClick={() => setOpen(!open)} data-testid="connect">
        Connect wallet
      </button>
      {open && (
        <ul className="menu" data-testid="wallet-list">
          {wallets.length === 0 && <li className="muted">No Solana wallet found: install Phantom, Solflare or Backpack.</li>}
          {wallets.map((w) => (
            <li key={w.name}>
              <button onClick={() => void choose(w)}>
                <img src={w.icon} alt="" width={18} height={18} /> {w.name}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
