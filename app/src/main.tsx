import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { loadConfig } from "./config";
import { initEngine } from "./math/engine";
// The engine's WebAssembly module, emitted as an asset (`scripts/build-wasm.mjs` builds it).
import engineUrl from "./math/engine.wasm?url";
import { App } from "./views/App";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);

Promise.all([loadConfig(), initEngine(fetch(engineUrl))])
  .then(([config]) =>
    root.render(
      <StrictMode>
        <App config={config} />
      </StrictMode>,
    ),
  )
  .catch((e: unknown) =>
    root.render(
      <main className="fatal">
        <h1>The exchange is not reachable</h1>
        <p>{String(e)}</p>
        <p>Start it with the README's main command, then reload.</p>
      </main>,
    ),
  );
