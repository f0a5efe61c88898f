import { useEffect, useState } from "react";
import type { AppConfig } from "../config";
import { ExchangeProvider } from "../state";
import { Header } from "./Header";
import { MarketsView } from "./MarketsView";
import { TradeView } from "./TradeView";
import { GovernanceView } from "./GovernanceView";
import { Notices } from "./Notices";

/** Routes live in the hash (#/trade/SOL-PERP), so any static server can serve the app. */
function useRoute(): string[] {
  const read = () => window.location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}

export function App({ config }: { config: AppConfig }) {
  const [page = "trade", arg] = useRoute();
  const markets = config.deployment.markets;
  const market = markets.find((m) => m.symbol === arg) ?? markets[0]!;
  return (
    <ExchangeProvider config={config}>
      <Header page={page} />
      <Notices />
      <main>
        {page === "markets" && <MarketsView />}
        {page === "trade" && <TradeView key={market.symbol} cfg={market} />}
        {page === "governance" && <GovernanceView />}
      </main>
    </ExchangeProvider>
  );
}
