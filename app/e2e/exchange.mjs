// Starts the local exchange (perp-localnet with its keeper and indexer, serving the built app)
// on ports of its own, and stops it with the test.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../..", import.meta.url));

/** The perp-localnet binary `cargo build -p perp-localnet` made. */
function binary() {
  if (process.env.PERP_LOCALNET_BIN) return process.env.PERP_LOCALNET_BIN;
  // Cargo reads a relative CARGO_TARGET_DIR from where it runs: the README runs it at the root.
  const target = resolvePath(repo, process.env.CARGO_TARGET_DIR ?? "target");
  const bin = join(target, "debug", "perp-localnet");
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: run \`cargo build -p perp-localnet -p perp-keeper -p perp-indexer\` first`);
  }
  return bin;
}

export async function startExchange({ portBase = 18000, args = [], log }) {
  const dist = join(repo, "app", "dist");
  if (!existsSync(join(dist, "index.html"))) throw new Error("app/dist is missing: run `npm --prefix app run build` first");
  const state = mkdtempSync(join(tmpdir(), "perp-e2e-"));
  const port = (n) => String(portBase + n);
  const child = spawn(
    binary(),
    ["--state-dir", state, "--app-dir", dist, "--rpc-port", port(899), "--ws-port", port(900), "--keeper-port", port(464), "--indexer-port", port(902), "--app-port", port(80), ...args],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let rpcUrl = null;
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the local exchange did not start within 180 s")), 180_000);
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      log?.(String(chunk));
      rpcUrl ??= /^JSON-RPC\s+(http:\/\/\S+)/m.exec(out)?.[1] ?? null;
      const m = /^app\s+(http:\/\/\S+)/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr.on("data", (chunk) => log?.(String(chunk)));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`perp-localnet exited (${code}) before serving the app:\n${out.slice(-2000)}`));
    });
  });
  return {
    url,
    rpcUrl,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", resolve);
        child.kill("SIGINT");
        setTimeout(() => child.kill("SIGKILL"), 5000);
      }),
  };
}
