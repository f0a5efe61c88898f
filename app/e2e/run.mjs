// End-to-end: the built app in Debian's Chromium (driven by playwright-core), a Wallet Standard
// test wallet injected into the page (its key stays here), against the local exchange. Each
// step asserts what the trader sees and saves a screenshot to e2e-results/. Also measured: how
// long after its confirmation a new order shows in the book (printed, with the run's figures,
// and written to e2e-results/figures.json).
//
//   npm --prefix app run build && cargo build -p perp-localnet -p perp-keeper -p perp-indexer
//   npm --prefix app run e2e        (E2E_URL=http://… to use an exchange already running)

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startExchange } from "./exchange.mjs";
import { WALLET_NAME, createTestWallet } from "./wallet.mjs";

const results = fileURLToPath(new URL("../e2e-results", import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
/** Flags for a machine without network beyond loopback (see the environment notes). */
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const STEP_TIMEOUT = 30_000;

rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const logs = [];
// The local exchange with its test controls: the crash step moves the oracle price on demand.
const exchange = process.env.E2E_URL
  ? { url: process.env.E2E_URL, rpcUrl: process.env.E2E_RPC_URL, stop: async () => {} }
  : await startExchange({ args: ["--test-controls"], log: (l) => logs.push(l) });
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
const figures = {};
let step = 0;
let failed = false;

try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const wallet = await createTestWallet();
  await wallet.install(context);
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.setDefaultTimeout(STEP_TIMEOUT);

  const shot = async (name) => {
    step++;
    await page.screenshot({ path: join(results, `${String(step).padStart(2, "0")}-${name}.png`) });
    console.log(`ok ${step} ${name}`);
  };
  const text = (testId) => page.getByTestId(testId).innerText();
  /** Waits for the newest notice to be confirmed or refused; throws on a refusal. */
  const confirmed = async (what) => {
    const notice = page.locator(".notice").filter({ hasText: what }).first();
    await notice.and(page.locator(".notice.ok, .notice.error")).waitFor();
    if (await notice.evaluate((n) => n.classList.contains("error"))) throw new Error(`${what}: ${await notice.innerText()}`);
    return Number(await notice.getAttribute("data-confirmed-at"));
  };
  const number = (s) => Number(s.replace(/[^0-9.-]/g, ""));
  /** A market buy of `size`, tried again when it found no asks (a trader of the local exchange
   * may have just taken them; the maker requotes every 2 s). The notice says what filled. */
  const marketBuy = async (size) => {
    for (let attempt = 1; ; attempt++) {
      await page.getByTestId("kind-market").click();
      await page.getByTestId("size").fill(size);
      const clicked = Date.now();
      await page.getByTestId("submit-order").click();
      await confirmed(`Buy ${size} at market`);
      figures.marketClickToConfirmedMs ??= Date.now() - clicked;
      const text = await page.locator(".notice.ok").filter({ hasText: `Buy ${size} at market` }).first().innerText();
      if (text.includes(`filled ${size}`)) return;
      if (!text.includes("nothing filled") || attempt === 3) throw new Error(`the market buy did not fill: ${text}`);
      await page.waitForTimeout(2500);
    }
  };

  /** A reduce-only take-profit selling `size`, 2% above the index now (it moves during the
   * run): it rests, it does not fill. Leaves order entry on a plain buy. */
  const takeProfit = async (size) => {
    const price = (Math.ceil(number(await text("oracle-price")) * 1.02 * 100) / 100).toFixed(2);
    await page.getByTestId("side-sell").click();
    await page.getByTestId("kind-limit").click();
    await page.getByTestId("price").fill(price);
    await page.getByTestId("size").fill(size);
    await page.getByTestId("reduce-only").check();
    await page.getByTestId("submit-order").click();
    await confirmed(`Sell ${size} at ${price}`);
    await page.getByTestId("reduce-only").uncheck();
    await page.getByTestId("side-buy").click();
  };

  // The markets and the trade view load from the chain.
  await page.goto(`${exchange.url}/#/markets`);
  await page.getByTestId("market-SOL-PERP").waitFor();
  await shot("markets");
  await page.goto(`${exchange.url}/#/trade/SOL-PERP`);
  await page.locator('[data-testid="book"] tr[data-side="ask"]').first().waitFor();
  await page.locator('[data-testid="chart"] canvas').first().waitFor();
  // Load figures, in the page's clock from navigation: first paint, the book's first row, the
  // chart's canvas (a fresh load: nothing held over from the first visit).
  await page.reload();
  const firstShown = (sel) => page.waitForFunction((q) => (document.querySelector(q) ? performance.now() : false), sel, { polling: "raf", timeout: STEP_TIMEOUT }).then((h) => h.jsonValue());
  const [bookAt, chartAt] = await Promise.all([firstShown('[data-testid="book"] tr[data-side="ask"]'), firstShown('[data-testid="chart"] canvas')]);
  figures.firstPaintMs = Math.round(await page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1));
  figures.bookShownMs = Math.round(bookAt);
  figures.chartShownMs = Math.round(chartAt);
  await page.getByTestId("interval-5m").click();
  await page.locator('[data-testid="chart"] canvas').first().waitFor();
  await page.getByTestId("interval-1m").click();
  // Both oracle sources are listed, fresh (the local feeds publish every second).
  await page.locator('[data-testid="source-Pyth"][data-stale="false"]').waitFor();
  await page.locator('[data-testid="source-Switchboard"][data-stale="false"]').waitFor();
  // The index is read from the oracle accounts themselves, not from the last keeper crank.
  await page.locator('[data-testid="oracle-price"][data-live="true"]').waitFor();
  await shot("trade-view");

  // Connect: the injected wallet is offered like any installed one.
  await page.getByTestId("connect").click();
  await page.getByTestId("wallet-list").getByRole("button", { name: WALLET_NAME }).click();
  await page.getByTestId("wallet-address").filter({ hasText: wallet.address.slice(0, 4) }).waitFor();
  await shot("connected");

  // Test quote tokens from the faucet.
  await page.getByTestId("faucet").click();
  await page.getByTestId("wallet-balance").filter({ hasText: "10,000.00" }).waitFor();
  await shot("faucet");

  // Deposit (opens the margin account in the same transaction).
  await page.getByTestId("deposit-amount").fill("1000");
  let clickedAt = Date.now();
  await page.getByTestId("deposit").click();
  await confirmed("Deposit 1,000.00 USDC");
  figures.depositClickToConfirmedMs = Date.now() - clickedAt;
  await page.getByTestId("collateral").filter({ hasText: "1,000.00" }).waitFor();
  await page.getByTestId("wallet-balance").filter({ hasText: "9,000.00" }).waitFor();
  await shot("deposited");

  // A resting limit bid 1% under the oracle (below the makers' ladder, inside the band): it
  // shows in the book. The wait for its row starts before the click, in the page's own clock.
  const oracle = number(await text("oracle-price"));
  const restPrice = (Math.floor(oracle * 0.99 * 100) / 100).toFixed(2);
  const restTicks = String(Math.round(Number(restPrice) * 100));
  await page.getByTestId("side-buy").click();
  await page.getByTestId("kind-limit").click();
  await page.getByTestId("price").fill(restPrice);
  await page.getByTestId("size").fill("1.23");
  await page.getByTestId("preview-im").waitFor();
  const bookRow = `[data-testid="book"] tr[data-side="bid"][data-price="${restTicks}"]`;
  const seen = page.waitForFunction((sel) => (document.querySelector(sel) ? performance.now() : false), bookRow, { polling: "raf", timeout: STEP_TIMEOUT });
  // A double-click signs one order: the button holds while the first is in flight.
  const signedBefore = wallet.signed;
  clickedAt = Date.now();
  await page.getByTestId("submit-order").dblclick();
  const confirmedAt = await confirmed(`Buy 1.23 at ${restPrice}`);
  figures.limitClickToConfirmedMs = Date.now() - clickedAt;
  await page.waitForTimeout(500);
  if (wallet.signed !== signedBefore + 1) throw new Error(`a double-click signed ${wallet.signed - signedBefore} transactions`);
  if ((await page.locator(`[data-testid="open-order"][data-price="${restTicks}"]`).count()) !== 1) throw new Error("a double-click rested two orders");
  const shownAt = await (await seen).jsonValue();
  figures.bookLatencyMs = Math.max(0, Math.round(shownAt - confirmedAt));
  figures.bookAheadOfConfirmationMs = Math.max(0, Math.round(confirmedAt - shownAt));
  await page.locator(`[data-testid="open-order"][data-price="${restTicks}"]`).waitFor();
  await shot("resting-order-in-book");

  // Cancel it: gone from open orders and from the book.
  clickedAt = Date.now();
  await page.locator(`[data-testid="open-order"][data-price="${restTicks}"]`).getByTestId("cancel-order").click();
  await confirmed(`Cancel order at ${restPrice}`);
  figures.cancelClickToConfirmedMs = Date.now() - clickedAt;
  await page.locator(bookRow).waitFor({ state: "detached" });
  await page.locator('[data-testid="open-order"]').first().waitFor({ state: "detached" });
  await shot("cancelled");

  // A click on a level of the book puts its price in order entry.
  // (Read and clicked in one step: the makers requote every 2 s and the row may change.)
  const levelTicks = await page.evaluate(() => {
    const row = [...document.querySelectorAll('[data-testid="book"] tr[data-side="ask"]')].at(-1);
    row.click();
    return Number(row.dataset.price);
  });
  await page.waitForFunction((want) => Math.round(Number(document.querySelector('[data-testid="price"]').value) * 100) === want, levelTicks);

  // A crossing market buy: the fill in recent trades, the position with its liquidation price.
  await page.getByTestId("kind-market").click();
  await page.getByTestId("size").fill("8.37");
  const previewLiq = await text("preview-liq");
  if (!/\d/.test(previewLiq)) throw new Error(`no liquidation price previewed: ${previewLiq}`);
  await marketBuy("8.37");
  // (The buy may fill against more than one resting order: the makers' levels are shared with
  // the local traders, so what is checked is the total, not one row of 837.)
  await page.locator('[data-testid="position-row"][data-lots="837"]').waitFor();
  const liq = await text("position-liq");
  if (!/\d/.test(liq)) throw new Error(`the position shows no liquidation price: ${liq}`);
  figures.previewedLiquidationPrice = previewLiq;
  figures.positionLiquidationPrice = liq;
  // The fill in the trader's own history (the indexer's fills of its margin account).
  await page.waitForFunction(
    () => [...document.querySelectorAll('[data-testid="my-fill"]')].reduce((n, r) => n + Number(r.dataset.lots), 0) >= 837,
    null,
    { timeout: STEP_TIMEOUT },
  );
  await page.locator('[data-testid="trades"] tr').nth(1).waitFor();
  // And in its order history, as asked: a buy of 8.37 at market.
  await page.locator('[data-testid="my-order"][data-side="buy"][data-lots="837"]').filter({ hasText: "Market" }).first().waitFor();
  // Funding payments come from the indexer too (settled lazily; none may have settled yet).
  await page.getByTestId("my-funding").filter({ hasText: /Funding payments\s*indexer(?!\s*unavailable)/ }).waitFor();
  await shot("filled-position");

  // A reload reconnects the wallet without asking and shows the position again.
  await page.reload();
  await page.getByTestId("wallet-address").filter({ hasText: wallet.address.slice(0, 4) }).waitFor();
  await page.locator('[data-testid="position-row"][data-lots="837"]').waitFor();
  // (The next step reads the wallet's balance: wait for it to load again.)
  await page.getByTestId("wallet-balance").filter({ hasText: "9,000.00" }).waitFor();
  await shot("reloaded");

  // Withdraw part of the collateral back to the wallet.
  const before = number(await text("wallet-balance"));
  await page.getByTestId("withdraw-amount").fill("100");
  await page.getByTestId("withdraw").click();
  await confirmed("Withdraw 100.00 USDC");
  await page.waitForFunction((b) => Number(document.querySelector('[data-testid="wallet-balance"]').innerText.replace(/[^0-9.-]/g, "")) === b + 100, before);
  await shot("withdrawn");

  // A deposit beyond the wallet's balance: SPL Token's refusal inside our instruction.
  await page.getByTestId("deposit-amount").fill("99999");
  await page.getByTestId("deposit").click();
  const short = page.locator(".notice.error").filter({ hasText: "Deposit 99,999.00 USDC" }).first();
  await short.waitFor();
  if (!(await short.innerText()).includes("Not enough funds in your wallet")) throw new Error(`unexpected refusal: ${await short.innerText()}`);

  // A refused order: a bid far above the oracle is outside the price band; the program's code
  // comes back as its message.
  await page.getByTestId("kind-limit").click();
  const far = (Math.ceil(oracle * 1.5 * 100) / 100).toFixed(2);
  await page.getByTestId("price").fill(far);
  await page.getByTestId("size").fill("0.10");
  // The band is shown on the price field and the preview warns before the program refuses.
  await page.getByTestId("price-band").waitFor();
  await page.getByTestId("outside-band").waitFor();
  await page.getByTestId("submit-order").click();
  const refusal = page.locator(".notice.error").filter({ hasText: `Buy 0.10 at ${far}` }).first();
  await refusal.waitFor();
  const message = await refusal.innerText();
  if (!message.includes("Order price lies outside the oracle price band")) throw new Error(`unexpected refusal: ${message}`);
  figures.refusalMessage = message;
  await shot("refused-order");

  // Close with a reduce-only take-profit resting for the whole position: Close cancels it in
  // the same transaction (and says so), and the click lands on the button, not on a notice.
  await takeProfit("8.37");
  await page.locator('[data-testid="open-order"]').first().waitFor();
  await page.getByTestId("close-position").click({ trial: true }); // actionable: nothing covers it
  await page.getByTestId("close-position").click();
  const closeNotice = page.locator(".notice").filter({ hasText: "Close 8.37" }).first();
  await confirmed("Close 8.37");
  const closeText = await closeNotice.innerText();
  if (!closeText.includes("cancels 1 resting sell order first")) throw new Error(`the close did not say it cancels the take-profit: ${closeText}`);
  // The notice says what filled. The makers' bids are shared with the local traders and requoted
  // every 2 s: what did not fill is closed again (the take-profit is gone by then).
  for (let attempt = 1; !(await page.locator('[data-testid="position-row"]').count() === 0); attempt++) {
    if (attempt > 3) throw new Error("the position did not close in three tries");
    await page.waitForTimeout(2500);
    if ((await page.locator('[data-testid="position-row"]').count()) === 0) break;
    const lots = await page.locator('[data-testid="position-row"]').getAttribute("data-lots");
    await page.getByTestId("close-position").click();
    await confirmed(`Close ${(Number(lots) / 100).toFixed(2)}`);
  }
  await page.locator('[data-testid="position-row"]').waitFor({ state: "detached" });
  await page.locator('[data-testid="open-order"]').first().waitFor({ state: "detached" });
  await shot("closed-with-take-profit");

  // Take-profit and stop-loss, set with the order as a bracket: a stop above the index is
  // refused before signing, with the reason; both legs show beside the position.
  const pct = (p, f) => (Math.round(p * f * 100) / 100).toFixed(2);
  let index = number(await text("oracle-price"));
  await page.getByTestId("side-buy").click();
  await page.getByTestId("kind-limit").click();
  await page.getByTestId("size").fill("1.00");
  await page.getByTestId("with-protection").check();
  // Not with an order that may rest: it would wait for a fill that may never come.
  await page.getByTestId("entry-protection-refusal").filter({ hasText: "TP/SL go with market or IOC orders" }).waitFor();
  await page.getByTestId("kind-market").click();
  await page.getByTestId("entry-sl").fill(pct(index, 1.02));
  await page.getByTestId("entry-protection-refusal").filter({ hasText: "A long's stop-loss must be below the index" }).waitFor();
  if (!(await page.getByTestId("submit-order").isDisabled())) throw new Error("a stop above the index could be sent");
  await page.getByTestId("entry-tp").fill(pct(index, 1.1));
  await page.getByTestId("entry-sl").fill(pct(index, 0.9));
  // What each leg sends when it fires, worst price included, shows before signing.
  await page.getByTestId("entry-leg").filter({ hasText: /^Stop-loss: when the index is at or below [\d.,]+, sells 1\.00 at market, no lower than [\d.,]+$/ }).waitFor();
  await page.getByTestId("entry-leg").filter({ hasText: /^Take-profit: when the index is at or above/ }).waitFor();
  await marketBuy("1.00");
  await page.locator('[data-testid="position-row"][data-lots="100"]').waitFor();
  await page.locator('[data-testid="trigger-row"][data-name="Stop-loss"]').filter({ hasText: "bracket" }).waitFor();
  await page.locator('[data-testid="trigger-row"][data-name="Take-profit"]').filter({ hasText: "bracket" }).waitFor();
  await shot("bracket-with-order");

  // Cancelled, then set again on the open position, the stop 1% under the index.
  await page.getByTestId("cancel-all-triggers").click();
  await confirmed("Cancel all triggers");
  await page.locator('[data-testid="trigger-row"]').first().waitFor({ state: "detached" });
  index = number(await text("oracle-price"));
  await page.getByTestId("position-tp").fill(pct(index, 1.1));
  await page.getByTestId("position-sl").fill(pct(index, 1.01));
  await page.getByTestId("protection-refusal").filter({ hasText: "A long's stop-loss must be below the index" }).waitFor();
  await page.getByTestId("position-sl").fill(pct(index, 0.99));
  await page.getByTestId("set-protection").click();
  await confirmed("Protect 1.00");
  await page.locator('[data-testid="trigger-row"]').nth(1).waitFor();
  await shot("bracket-on-position");

  // The index falls 2% (both feeds, held): the keeper fires the stop, which closes the position
  // at market and cancels the take-profit. Then the price goes back to where it was.
  const movePrice = async (price, hold) => {
    const r = await fetch(`${exchange.rpcUrl}/test/price`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ symbol: "SOL-PERP", price, hold }) });
    if (!r.ok) throw new Error(`the test control refused: ${r.status} ${await r.text()}`);
  };
  clickedAt = Date.now();
  await movePrice(index * 0.98, true);
  await page.locator('[data-testid="position-row"]').waitFor({ state: "detached", timeout: 60_000 });
  figures.stopFiredAfterPriceMoveMs = Date.now() - clickedAt;
  await page.locator('[data-testid="trigger-row"]').first().waitFor({ state: "detached" });
  // The app tells the trader, from the keeper's transaction's events.
  await page.getByTestId("notice-ok").filter({ hasText: "Stop-loss fired: 1.00" }).waitFor();
  // The stop's sell in the trader's order history (the indexer's, from the keeper's transaction).
  await page.locator('[data-testid="my-order"][data-side="sell"][data-lots="100"]').first().waitFor();
  await shot("stop-fired");
  await movePrice(index, false);

  // A crash the circuit breaker holds, with a take-profit resting: Close still gets the trader
  // out in one click. The test control moves both oracle feeds down and holds them there: past
  // the breaker's band (4.9% from the stable price), within twice it (beyond, no order may trade
  // at all until the stable price follows). After a crash nobody may add risk, so the close
  // needs an order that already rests inside the new band: the maker's deep bid (3% under its
  // quote). The crash price is chosen so that bid lies inside the band: band high = crash price
  // × 1.049 must reach it, band low = stable × 0.951 must not pass it.
  const maxBefore = Number(await page.getByTestId("leverage").getAttribute("max"));
  await page.getByTestId("side-buy").click();
  await marketBuy("1.00");
  await page.locator('[data-testid="position-row"][data-lots="100"]').waitFor();
  await takeProfit("1.00");
  let crash = null;
  for (let attempt = 1; crash === null; attempt++) {
    const { stable, deepBid } = await page.evaluate(() => ({
      stable: Number(document.querySelector('[data-testid="stable-price"]').innerText.replace(/[^0-9.]/g, "")),
      deepBid: Math.min(...[...document.querySelectorAll('[data-testid="book"] tr[data-side="bid"]')].map((r) => Number(r.dataset.price) / 100)),
    }));
    if (deepBid >= stable * 0.955 && deepBid <= stable * 0.99) crash = { stable, deepBid, price: Math.max(deepBid / 1.045, stable * 0.905) };
    else if (attempt === 20) throw new Error(`no deep bid inside a crash's band: stable ${stable}, lowest bid ${deepBid}`);
    else await page.waitForTimeout(2500);
  }
  await movePrice(crash.price, true);
  figures.crash = { stable: crash.stable, to: Number(crash.price.toFixed(2)), deepBid: crash.deepBid };
  // The app reads the oracle accounts themselves: the drop and the refusal of new risk show
  // within seconds, before any keeper cranks the breaker.
  await page.waitForFunction((p) => Math.abs(Number(document.querySelector('[data-testid="oracle-price"]').innerText.replace(/[^0-9.]/g, "")) - p) < p * 0.005, crash.price);
  await page.getByTestId("market-state").filter({ hasText: "new positions refused now" }).waitFor();
  // Then the keeper's next price crank engages the breaker (every 30 s).
  await page.getByTestId("market-state").filter({ hasText: "Reduce-only: circuit breaker" }).waitFor({ timeout: 60_000 });
  await shot("breaker-engaged");
  await page.getByTestId("close-position").click();
  await confirmed("Close 1.00");
  const breakerClose = await page.locator(".notice").filter({ hasText: "Close 1.00" }).first().innerText();
  if (!breakerClose.includes("cancels 1 resting sell order first")) throw new Error(`the close did not cancel the take-profit: ${breakerClose}`);
  figures.breakerClose = breakerClose.split("\n").find((l) => l.includes("Close 1.00"));
  await page.locator('[data-testid="position-row"]').waitFor({ state: "detached" });
  await page.locator('[data-testid="open-order"]').first().waitFor({ state: "detached" });
  await shot("closed-in-breaker");
  // The keeper folds the jump into the volatility estimate (every 30 s): initial margin rises
  // and the leverage slider's maximum falls with it.
  await page.waitForFunction((before) => Number(document.querySelector('[data-testid="leverage"]').max) < before, maxBefore, { timeout: 70_000 });
  figures.leverageMax = { beforeCrash: maxBefore, afterCrash: Number(await page.getByTestId("leverage").getAttribute("max")) };
  await shot("leverage-after-jump");
  // Let the price walk again from where it is.
  await movePrice(crash.price, false);

  // The markets page lists the trader's account in every market, with its collateral.
  await page.goto(`${exchange.url}/#/markets`);
  await page.getByTestId("portfolio-SOL-PERP").filter({ hasText: "flat" }).waitFor();
  await page.getByTestId("portfolio-SOL-PERP").filter({ hasText: "USDC" }).waitFor();
  await shot("portfolio");

  await page.goto(`${exchange.url}/#/governance`);
  await page.getByTestId("status-SOL-PERP").waitFor();
  // The local exchange queues a taker fee rise at start: shown old → new, with its countdown.
  // (The change shows before the market it compares against has loaded: wait for old → new.)
  const change = page.getByTestId("queued-change").filter({ hasText: "MarketParams · SOL-PERP" }).filter({ hasText: /takerFeeBps\s*5\s*→\s*6/ });
  await change.waitFor();
  const changeText = await change.innerText();
  if (!/takerFeeBps\s+5\s+→ 6/.test(changeText) || !/executable in \d+d \d+h/.test(changeText)) {
    throw new Error(`the queued change does not show old → new and its countdown:\n${changeText}`);
  }
  await shot("governance");

  // A phone: one column, no horizontal scroll, order entry and collateral reachable.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await wallet.install(phone);
  const small = await phone.newPage();
  small.setDefaultTimeout(STEP_TIMEOUT);
  await small.goto(`${exchange.url}/#/trade/SOL-PERP`);
  await small.locator('[data-testid="book"] tr[data-side="ask"]').first().waitFor();
  await small.getByTestId("connect").click();
  await small.getByTestId("wallet-list").getByRole("button", { name: WALLET_NAME }).click();
  await small.getByTestId("wallet-address").waitFor();
  const wide = await small.evaluate(() => document.documentElement.scrollWidth);
  if (wide > 390) throw new Error(`the phone layout is ${wide} px wide`);
  for (const id of ["submit-order", "size", "deposit", "withdraw", "market-select"]) {
    const control = small.getByTestId(id);
    await control.scrollIntoViewIfNeeded();
    const box = await control.boundingBox();
    if (!box || box.x < 0 || box.x + box.width > 390) throw new Error(`${id} is off screen on a phone: ${JSON.stringify(box)}`);
  }
  // Book, chart and trades share one place on a phone, one tab at a time.
  await small.getByTestId("tab-chart").click();
  await small.locator('[data-testid="chart"] canvas').first().waitFor();
  if (await small.getByTestId("book").isVisible()) throw new Error("the book shows beside the chart on a phone");
  await small.getByTestId("tab-book").click();
  await small.getByTestId("book").waitFor();
  step++;
  await small.screenshot({ path: join(results, `${String(step).padStart(2, "0")}-phone.png`), fullPage: true });
  console.log(`ok ${step} phone`);
  await phone.close();

  // With the indexer down the app still trades: the chart samples the price live, and the
  // trader's fill shows in recent trades from the program's logs.
  const bare = await startExchange({ portBase: 19000, args: ["--no-indexer"], log: (l) => logs.push(l) });
  try {
    await page.goto(`${bare.url}/#/trade/SOL-PERP`);
    await page.locator('[data-testid="chart"][data-source="live"] canvas').first().waitFor();
    await page.getByTestId("trades").filter({ hasText: "live (indexer unavailable)" }).waitFor();
    await page.getByTestId("connect").click();
    await page.getByTestId("wallet-list").getByRole("button", { name: WALLET_NAME }).click();
    await page.getByTestId("faucet").click();
    await page.getByTestId("wallet-balance").filter({ hasText: "10,000.00" }).waitFor();
    await page.getByTestId("deposit-amount").fill("500");
    await page.getByTestId("deposit").click();
    await confirmed("Deposit 500.00 USDC");
    await marketBuy("1.37");
    await page.locator('[data-testid="trades"] tbody tr').first().waitFor();
    await page.locator('[data-testid="position-row"][data-lots="137"]').waitFor();
    await shot("indexer-down");
  } finally {
    await bare.stop();
  }

  if (pageErrors.length > 0) throw new Error(`errors in the page:\n${pageErrors.join("\n")}`);
  figures.transactionsSigned = wallet.signed;
  console.log(JSON.stringify(figures, null, 2));
  writeFileSync(join(results, "figures.json"), JSON.stringify(figures, null, 2) + "\n");
  console.log(`e2e: ${step} steps passed; screenshots in ${results}`);
} catch (e) {
  failed = true;
  console.error(`e2e failed after step ${step}:`, e);
  const pages = browser.contexts().flatMap((c) => c.pages());
  if (pages[0]) await pages[0].screenshot({ path: join(results, "failure.png") }).catch(() => {});
  writeFileSync(join(results, "exchange.log"), logs.join(""));
} finally {
  await browser.close();
  await exchange.stop();
}
process.exit(failed ? 1 : 0);
