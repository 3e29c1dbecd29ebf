// The services' vitals as small charts: geometry only (SVG path data and mark positions),
// so it is tested in Node; index.ts turns it into SVG elements.
import type { VitalMark, VitalSample, Vitals } from '../main/shared/status';

export const CHART_W = 300;
export const CHART_H = 80;
/** Room at the top so a peak never touches the frame. */
const TOP = 6;

export interface SeriesView {
  key: string;
  label: string;
  /** SVG path data; empty when fewer than two points are known. */
  path: string;
  /** The newest point, drawn as a dot: a window that just opened has only this one. */
  last: { x: number; y: number } | null;
  now: number | null;
  peak: number | null;
}

export interface MarkView {
  x: number;
  kind: VitalMark['kind'];
  service: VitalMark['service'];
  label: string;
}

export interface ChartView {
  id: 'cpu' | 'memory' | 'load';
  /** The minutes drawn: the ring's window, or less while there is less to show. */
  minutes: number;
  title: string;
  /** The value at the top of the chart, in words ("100 %"). */
  maxLabel: string;
  series: SeriesView[];
  marks: MarkView[];
  /** Everything the chart shows, in one sentence, for screen readers. */
  summary: string;
}

type Pick = (s: VitalSample) => number | null;

const MB = 1024 * 1024;

/** A round top for the axis: 1, 2, 5 × 10^n, at least `floor`. */
export function niceMax(peak: number, floor: number): number {
  const v = Math.max(peak, floor);
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function series(samples: VitalSample[], v: Vitals, now: number, spanMs: number, key: string, label: string, pick: Pick, max: number): SeriesView {
  const x = (at: number) => Math.round(Math.max(0, CHART_W * (1 - (now - at) / spanMs)) * 10) / 10;
  const y = (val: number) => Math.round((CHART_H - (Math.min(val, max) / max) * (CHART_H - TOP)) * 10) / 10;
  let path = '';
  let points = 0;
  let prevAt = -Infinity;
  let last: SeriesView['last'] = null;
  let latest: number | null = null;
  let peak: number | null = null;
  for (const s of samples) {
    const at = Date.parse(s.at);
    const val = pick(s);
    if (val === null) {
      prevAt = -Infinity; // a service that was down leaves a gap, never a line through zero
      continue;
    }
    // Samples missed (nobody watched, or the supervisor restarted): a gap too.
    const joined = at - prevAt <= v.intervalMs * 2.5;
    path += `${joined ? 'L' : 'M'}${x(at)} ${y(val)}`;
    if (joined) points++;
    prevAt = at;
    last = { x: x(at), y: y(val) };
    latest = val;
    peak = peak === null ? val : Math.max(peak, val);
  }
  // Only moves: nothing would be drawn, the dot says it all.
  return { key, label, path: points ? path : '', last, now: latest, peak };
}

const fmt = {
  cpu: (n: number) => `${n < 10 ? n.toFixed(1) : Math.round(n)} %`,
  memory: (n: number) => `${n < 10 ? n.toFixed(1) : Math.round(n)} MB`,
  load: (n: number) => `${n}`,
};

function describe(title: string, s: SeriesView[], marks: MarkView[], f: (n: number) => string, minutes: number): string {
  const parts = s.map((x) => (x.now === null ? `${x.label}: no data` : `${x.label} ${f(x.now)} now, peak ${f(x.peak!)}`));
  const crashes = marks.filter((m) => m.kind === 'crashed').length;
  const starts = marks.length - crashes;
  const events = [crashes ? `${crashes} ${crashes === 1 ? 'crash' : 'crashes'}` : '', starts ? `${starts} ${starts === 1 ? 'start' : 'starts'}` : ''].filter(Boolean);
  return `${title} over the last ${minutes} minutes: ${parts.join('; ')}${events.length ? `. ${events.join(', ')}` : ''}.`;
}

/** CPU and memory of web and agent, and the agent's load, over the vitals' window. */
export function vitalsCharts(v: Vitals, now = Date.now()): ChartView[] {
  const since = now - v.windowMs;
  const samples = v.samples.filter((s) => Date.parse(s.at) >= since);
  // A window opened a minute ago would squeeze everything against the right edge of 15
  // minutes: draw what there is (2 minutes at least, whole minutes), up to the whole window.
  const oldest = Math.min(now, ...samples.map((s) => Date.parse(s.at)), ...v.marks.map((m) => Date.parse(m.at)).filter((t) => t >= since));
  const minutes = Math.min(Math.round(v.windowMs / 60_000), Math.max(2, Math.ceil((now - oldest) / 60_000)));
  const spanMs = Math.min(v.windowMs, minutes * 60_000);
  const marksFor = (services: VitalMark['service'][]): MarkView[] =>
    v.marks
      .filter((m) => services.includes(m.service) && Date.parse(m.at) >= since)
      .map((m) => ({ x: Math.round(CHART_W * (1 - (now - Date.parse(m.at)) / spanMs) * 10) / 10, kind: m.kind, service: m.service, label: `${m.service} ${m.kind === 'crashed' ? 'crashed' : 'started'} at ${new Date(m.at).toLocaleTimeString()}` }));
  const peakOf = (pick: Pick) => samples.reduce((p, s) => Math.max(p, pick(s) ?? 0), 0);

  const cpu: Pick[] = [(s) => s.web?.cpu ?? null, (s) => s.agent?.cpu ?? null];
  const mem: Pick[] = [(s) => (s.web?.rssBytes ?? null) === null ? null : s.web!.rssBytes! / MB, (s) => (s.agent?.rssBytes ?? null) === null ? null : s.agent!.rssBytes! / MB];
  const load: Pick[] = [(s) => s.agent?.active ?? null, (s) => s.agent?.queued ?? null];

  const cpuMax = niceMax(Math.max(...cpu.map(peakOf)), 10);
  const memMax = niceMax(Math.max(...mem.map(peakOf)), 50);
  const loadMax = niceMax(Math.max(...load.map(peakOf)), 2);
  const both = marksFor(['web', 'agent']);
  const agentOnly = marksFor(['agent']);

  const make = (id: ChartView['id'], title: string, max: number, maxLabel: string, picks: Pick[], keys: [string, string][], marks: MarkView[]): ChartView => {
    const s = picks.map((p, i) => series(samples, v, now, spanMs, keys[i][0], keys[i][1], p, max));
    return { id, minutes, title, maxLabel, series: s, marks, summary: describe(title, s, marks, fmt[id], minutes) };
  };
  return [
    make('cpu', 'CPU', cpuMax, fmt.cpu(cpuMax), cpu, [['web', 'web'], ['agent', 'agent']], both),
    make('memory', 'Memory', memMax, fmt.memory(memMax), mem, [['web', 'web'], ['agent', 'agent']], both),
    make('load', 'Agent items', loadMax, String(loadMax), load, [['active', 'active'], ['queued', 'queued']], agentOnly),
  ];
}

export function formatVital(id: ChartView['id'], n: number | null): string {
  return n === null ? '—' : fmt[id](n);
}
