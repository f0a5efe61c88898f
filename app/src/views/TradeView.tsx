import { lazy, Suspense, useMemo } from "react";
import type { MarketConfig } from "../config";
import { levels } from "../chain/book";
import { useNow } from "../chain/hooks";
import { accountRisk, markPrice, type AccountRisk } from "../market/risk";
import { openOrders, useTradingState } from "../market/useMarket";
import { useExchange } from "../state";
import { Book, DEPTH } from "./Book";
import { Funds } from "./Funds";
import { STATUS } from "./MarketsView";
import { OrderEntry } from "./OrderEntry";
import { OpenOrders, Positions } from "./Positions";
import { Trades } from "./Trades";

// The chart library is the largest dependency; it loads beside the first render, not before it.
const Chart = lazy(() => import("./Chart"));

export function TradeView({ cfg }: { cfg: MarketConfig }) {
  const { config } = useExchange();
  const now = useNow();
  const s = useTradingState(cfg);
  const { market, units, ref } = s;
  const account = s.margin.value;
  const price = market ? markPrice(market) : 0n;
  const risk: AccountRisk | null = useMemo(() => {
    if (!market || !account) return null;
    try {
      return accountRisk(market, account, price);
    } catch {
      return null;
    }
  }, [market, account, price]);
  // One walk of the book per change (or second: `now` only matters for expiring orders), shared
  // by the book view and order entry's best prices.
  const book = useMemo(() => (s.book.value ? levels(s.book.value, now, DEPTH) : { bids: [], asks: [] }), [s.book.value, now]);
  const mine = useMemo(() => new Set(account ? openOrders(account).map((o) => o.price) : []), [account]);

  if (market === null) return <p className="panel">{cfg.symbol} is not listed on this cluster.</p>;
  if (!market || !units || !ref) return <p className="panel muted">Loading {cfg.symbol}…</p>;
  return (
    <div className="trade">
      <div className="market-bar">
        <select value={cfg.symbol} onChange={(e) => (window.location.hash = `#/trade/${e.target.value}`)} data-testid="market-select">
          {config.deployment.markets.map((m) => (
            <option key={m.symbol}>{m.symbol}</option>
          ))}
        </select>
        <span data-testid="oracle-price">{units.formatRawPrice(market.price.indexPrice)}</span>
        <span className="muted">stable {units.formatRawPrice(market.price.stablePrice)}</span>
        <span className="muted">status {STATUS[market.status]}</span>
        {market.price.breakerEngaged !== 0 && <span className="error">circuit breaker engaged: reduce-only</span>}
      </div>
      <div className="grid">
        <Book book={s.book} levels={book} units={units} mine={mine} />
        <div className="center">
          <Suspense fallback={<section className="panel chart muted">loading chart…</section>}>
            <Chart
              market={cfg.market}
              priceTicks={market.price.indexPrice === 0n ? null : Number(units.rawToTicks(market.price.indexPrice))}
              tickPrice={units.tickPrice}
              priceDecimals={units.priceDecimals}
            />
          </Suspense>
          <Trades market={cfg.market} units={units} />
        </div>
        <div className="side">
          <OrderEntry ref_={ref} market={market} units={units} account={account ?? null} top={book} />
          <Funds ref_={ref} units={units} account={account} risk={risk} ata={s.ata} walletBalance={s.walletBalance} />
        </div>
      </div>
      <Positions ref_={ref} market={market} units={units} risk={risk} symbol={cfg.symbol} />
      <OpenOrders ref_={ref} units={units} account={account} />
    </div>
  );
}
