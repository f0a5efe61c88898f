// What the app needs to find the exchange: served as /config.json by whoever serves the app
// (perp-localnet writes it from its deployment). Nothing about the venue is compiled in.

import type { Address } from "@solana/kit";

export interface MarketConfig {
  symbol: string;
  index: number;
  market: Address;
  book: Address;
  event_queue: Address;
}

export interface AppConfig {
  rpcUrl: string;
  wsUrl: string;
  faucetUrl: string | null;
  /** Trade and candle history; null when no indexer runs (the chart is then sampled live). */
  indexerUrl: string | null;
  deployment: {
    program: Address;
    exchange: Address;
    quote_mint: Address;
    markets: MarketConfig[];
  };
}

export async function loadConfig(url = "/config.json"): Promise<AppConfig> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const config = (await response.json()) as AppConfig;
  if (!config.rpcUrl || !config.wsUrl || !config.deployment?.markets?.length) {
    throw new Error(`${url} does not describe an exchange`);
  }
  return config;
}
