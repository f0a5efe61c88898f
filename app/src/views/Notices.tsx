import { useExchange } from "../state";

/** The last few transactions: pending, confirmed (with signature) or refused (with why), each
 * naming its market. They sit in their own strip under the header, which keeps its height, so a
 * notice never covers a control and never moves one; a confirmation goes after a few seconds, a
 * refusal after half a minute, and any can be dismissed. */
export function Notices() {
  const { notices, dismiss } = useExchange();
  return (
    <aside className="notices" aria-live="polite" data-testid="notices">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.kind}`} data-testid={`notice-${n.kind}`} data-confirmed-at={n.confirmedAt} title={n.signature ?? n.text}>
          {n.market && <span className="notice-market">{n.market}</span>}
          <span className="notice-text">{n.text}</span>
          {n.kind !== "pending" && (
            <button className="link notice-dismiss" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
              ×
            </button>
          )}
        </div>
      ))}
    </aside>
  );
}
