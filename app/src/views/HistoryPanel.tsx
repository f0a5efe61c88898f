import type { ReactNode } from "react";

/** The frame of a history table: a titled panel saying where the rows come from, the column
 * headers, and a line when there are none. */
export function HistoryPanel({ title, testId, source, headers, empty, children }: { title: string; testId: string; source: string; headers: string[]; empty: string | null; children: ReactNode }) {
  return (
    <section className={`panel ${testId}`} data-testid={testId}>
      <h3>
        {title} <span className="muted small">{source}</span>
      </h3>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              {headers.map((h) => (
                <th key={h}>{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {empty !== null && (
              <tr>
                <td colSpan={headers.length} className="muted">
                  {empty}
                </td>
              </tr>
            )}
            {children}
          </tbody>
        </table>
      </div>
    </section>
  );
}
