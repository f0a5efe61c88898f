// A Wallet Standard wallet for the end-to-end test. The page gets only the wallet's public
// face (registered as any extension registers itself); its key stays in this Node process,
// which signs what the page asks through an exposed binding, as an extension's background
// process would.

import {
  generateKeyPair,
  getAddressEncoder,
  getAddressFromPublicKey,
  getTransactionDecoder,
  getTransactionEncoder,
  partiallySignTransaction,
} from "@solana/kit";

export const WALLET_NAME = "E2E Test Wallet";

export async function createTestWallet() {
  const keyPair = await generateKeyPair();
  const address = await getAddressFromPublicKey(keyPair.publicKey);
  const publicKey = Array.from(getAddressEncoder().encode(address));
  const decoder = getTransactionDecoder();
  const encoder = getTransactionEncoder();
  let signed = 0;
  return {
    address,
    get signed() {
      return signed;
    },
    /** Installs the wallet into every page of `context` before the app's scripts run. */
    async install(context) {
      await context.exposeBinding("__e2eWalletSign", async (_source, bytes) => {
        const transaction = decoder.decode(Uint8Array.from(bytes));
        const out = await partiallySignTransaction([keyPair], transaction);
        signed++;
        return Array.from(encoder.encode(out));
      });
      await context.addInitScript(pageWallet, { name: WALLET_NAME, address, publicKey });
    },
  };
}

/** Runs in the page: the wallet object and its registration (Wallet Standard's window-event
 * protocol, both directions, so it works whether the app or the wallet loads first). */
function pageWallet({ name, address, publicKey }) {
  const chains = ["solana:localnet", "solana:devnet"];
  const account = Object.freeze({
    address,
    publicKey: new Uint8Array(publicKey),
    chains,
    features: ["solana:signTransaction"],
  });
  const listeners = new Set();
  let accounts = [];
  const wallet = {
    version: "1.0.0",
    name,
    icon: "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxIDEiPjxyZWN0IHdpZHRoPSIxIiBoZWlnaHQ9IjEiIGZpbGw9IiM1YjhkZWYiLz48L3N2Zz4=",
    chains,
    get accounts() {
      return accounts;
    },
    features: {
      "standard:connect": {
        version: "1.0.0",
        connect: async () => {
          accounts = [account];
          listeners.forEach((l) => l({ accounts }));
          return { accounts };
        },
      },
      "standard:disconnect": {
        version: "1.0.0",
        disconnect: async () => {
          accounts = [];
          listeners.forEach((l) => l({ accounts }));
        },
      },
      "standard:events": {
        version: "1.0.0",
        on: (_event, listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
      "solana:signTransaction": {
        version: "1.0.0",
        supportedTransactionVersions: ["legacy", 0],
        signTransaction: async (...inputs) =>
          Promise.all(
            inputs.map(async (input) => ({
              signedTransaction: new Uint8Array(await window.__e2eWalletSign(Array.from(input.transaction))),
            })),
          ),
      },
    },
  };
  const callback = (api) => api.register(wallet);
  window.addEventListener("wallet-standard:app-ready", (event) => callback(event.detail));
  window.dispatchEvent(new CustomEvent("wallet-standard:register-wallet", { detail: callback }));
}
