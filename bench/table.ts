// The one shape every bench returns, and how it is printed: a markdown table with
// one row per case (median, min, max, n of its samples) plus any extra columns
// the bench wants (a ratio, a package count), and notes under it.

export interface Row {
  label: string;
  /** One measurement per run, in `Table.unit`. */
  samples: number[];
  /** More columns, by header; rows that lack one print an empty cell. */
  extra?: Record<string, string>;
}

export interface Table {
  title: string;
  /** Unit of the samples, shown in the headers (default "ms"). */
  unit?: string;
  rows: Row[];
  /** Decimals for values below 100 (default 1); larger values are rounded to whole numbers. */
  decimals?: number;
  /** Printed under the table, one bullet each: what was measured, on what. */
  notes?: string[];
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function fmt(n: number, decimals = 1): string {
  if (!Number.isFinite(n)) return '–';
  return n >= 100 ? String(Math.round(n)) : n.toFixed(decimals);
}

export function formatTable(t: Table): string {
  const unit = t.unit ?? 'ms';
  const extras: string[] = [];
  for (const r of t.rows) for (const k of Object.keys(r.extra ?? {})) if (!extras.includes(k)) extras.push(k);
  const header = ['case', `median ${unit}`, `min ${unit}`, `max ${unit}`, 'n', ...extras];
  // Numbers right-aligned, text left-aligned, as markdown renders them too.
  const numeric = header.map((_, i) => i >= 1 && i <= 4);
  const body = t.rows.map((r) => [
    r.label,
    fmt(median(r.samples), t.decimals),
    fmt(r.samples.length ? Math.min(...r.samples) : NaN, t.decimals),
    fmt(r.samples.length ? Math.max(...r.samples) : NaN, t.decimals),
    String(r.samples.length),
    ...extras.map((k) => r.extra?.[k] ?? ''),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, 3, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  const out = [`### ${t.title}`, '', line(header), rule, ...body.map(line)];
  if (t.notes?.length) out.push('', ...t.notes.map((n) => `- ${n}`));
  return out.join('\n');
}
