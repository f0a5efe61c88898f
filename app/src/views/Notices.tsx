import { useExchange } from "../state";

/** The last few transactions: pending, confirmed (with signature) or refused (with why). */
export function Notices() {
  const { notices } = useExchange();
  return (
    <aside className="notices" aria-live="polite">
      {notices.map((n) => (
        <div
          key={n.id}
          className={`notice ${n.kind}`}
          data-testid={`notice-${n.kind}`}
          data-confirmed-at={n.confirmedAt}
          title={n.signature}
        >
          {n.text}
        </div>
      ))}
    </aside>
  );
}
