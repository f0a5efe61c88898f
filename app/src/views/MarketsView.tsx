import type { MarketConfig } from "../config";
import { MarketStatus } from "../generated";
import { useStats24h } from "../market/useStats";
import { useLiveIndex } from "../market/oracles";
import { useNow } from "../chain/hooks";
import { closeReference } from "../market/close";
import { accountRisk, fundingRateBps, markPrice, type AccountRisk } from "../market/risk";
import { unitsOf, useMarketAccount, useOwnMarginAccount } from "../market/useMarket";
import { useExchange } from "../state";

export const STATUS: Record<number, string> = {
  [MarketStatus.Active]: "Active",
  [MarketStatus.ReduceOnly]: "Reduce-only",
  [MarketStatus.Paused]: "Paused",
};

export function MarketsView() {
  const { config, session } = useExchange();
  return (
    <>
      <section className="panel">
        <h2>Markets</h2>
        <table data-testid="markets">
          <thead>
            <tr>
              <th>Market</th>
              <th>Index</th>
              <th>24 h</th>
              <th>Funding / interval</th>
              <th>Open interest</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {config.deployment.markets.map((m) => (
              <MarketRow key={m.symbol} cfg={m} />
            ))}
          </tbody>
        </table>
      </section>
      {session && (
        <section className="panel" data-testid="portfolio">
          <h2>Your accounts</h2>
          <p className="muted small">Each market's collateral is its own: a loss in one cannot take another's.</p>
          <table>
            <thead>
              <tr>
                <th>Market</th>
                <th>Collateral</th>
                <th>Position</th>
                <th>Unrealised PnL (index)</th>
                <th>Realised PnL</th>
                <th>Liq. price</th>
              </tr>
            </thead>
            <tbody>
              {config.deployment.markets.map((m) => (
                <PortfolioRow key={m.symbol} cfg={m} />
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}

/** The connected owner's account in one market, valued at the index. */
function PortfolioRow({ cfg }: { cfg: MarketConfig }) {
  const { value: m } = useMarketAccount(cfg.market);
  const { value: a } = useOwnMarginAccount(cfg.market);
  const live = useLiveIndex(m, useNow());
  if (!m || a === undefined) return null;
  const u = unitsOf(m);
  if (a === null) {
    return (
      <tr data-testid={`portfolio-${cfg.symbol}`}>
        <td>
          <a href={`#/trade/${cfg.symbol}`}>{cfg.symbol}</a>
        </td>
        <td colSpan={5} className="muted">
          no account (deposit to open one)
        </td>
      </tr>
    );
  }
  let risk: AccountRisk | null = null;
  try {
    risk = accountRisk(m, a, closeReference(m, live?.index ?? null));
  } catch {
    risk = null;
  }
  const pos = a.trader.basePosition;
  const realised = a.trader.realisedPnl * m.params.quoteLotSize;
  return (
    <tr data-testid={`portfolio-${cfg.symbol}`} data-lots={pos.toString()}>
      <td>
        <a href={`#/trade/${cfg.symbol}`}>{cfg.symbol}</a>
      </td>
      <td>{u.formatNative(a.collateral)} USDC</td>
      <td className={pos > 0n ? "up" : pos < 0n ? "down" : "muted"}>{pos === 0n ? "flat" : `${pos > 0n ? "Long" : "Short"} ${u.formatLots(pos < 0n ? -pos : pos)}`}</td>
      <td className={risk && risk.unrealisedPnl < 0n ? "down" : "up"}>{risk ? u.formatNative(risk.unrealisedPnl) : "—"}</td>
      <td className={realised < 0n ? "down" : "up"}>{u.formatNative(realised)}</td>
      <td>{risk?.liquidationPrice ? u.formatRawPrice(risk.liquidationPrice) : "none"}</td>
    </tr>
  );
}

function MarketRow({ cfg }: { cfg: MarketConfig }) {
  const { value: m } = useMarketAccount(cfg.market);
  const live = useLiveIndex(m, useNow());
  const stats = useStats24h(cfg.market);
  const change = stats?.change ?? null;
  if (!m) {
    return (
      <tr>
        <td>{cfg.symbol}</td>
        <td colSpan={5} className="muted">
          {m === null ? "not listed" : "loading…"}
        </td>
      </tr>
    );
  }
  const u = unitsOf(m);
  const funding = fundingRateBps(m);
  const breaker = m.price.breakerEngaged !== 0;
  return (
    <tr data-testid={`market-${cfg.symbol}`}>
      <td>
        <a href={`#/trade/${cfg.symbol}`}>{cfg.symbol}</a>
      </td>
      <td data-live={live?.index != null}>{u.formatRawPrice(closeReference(m, live?.index ?? null))}</td>
      <td className={change === null ? "muted" : change >= 0 ? "up" : "down"}>
        {change === null ? "—" : `${(change * 100).toFixed(2)}%`}
      </td>
      <td className={funding >= 0 ? "up" : "down"}>
        {(funding / 100).toFixed(4)}% / {Number(m.params.fundingIntervalSecs) / 3600} h
      </td>
      <td>
        {u.formatLots(m.openInterest.longLots)} long / {u.formatLots(m.openInterest.shortLots)} short
        <div className="muted">≈ ${u.formatNative((m.openInterest.longLots * markPrice(m)) / 1_000_000n, 0)}</div>
      </td>
      <td>
        {STATUS[m.status] ?? `unknown (${m.status})`}
        {breaker && <span className="error"> · circuit breaker</span>}
      </td>
    </tr>
  );
}
