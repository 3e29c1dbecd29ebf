import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { VitalMark, VitalSample, Vitals } from '../shared/status';
import type { Services } from './services';

export const VITALS_INTERVAL_MS = 5000;
export const VITALS_WINDOW_MS = 15 * 60_000;

interface CpuReading {
  ticks: number;
  at: number;
}

/** Linux reports CPU time in clock ticks; 100 per second on every platform Node supports there. */
const CLK_TCK = 100;
const PAGE_SIZE = 4096;

/** CPU time (ticks) and resident memory of one process, from the OS; null when it is gone or unreadable. */
export function readProcess(pid: number): { ticks: number | null; rssBytes: number | null } | null {
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after "(comm)": state is 3rd, utime 14th, stime 15th, rss (pages) 24th of the whole line.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return { ticks: Number(f[11]) + Number(f[12]), rssBytes: Number(f[21]) * PAGE_SIZE };
    } catch {
      return null;
    }
  }
  if (process.platform === 'win32') return { ticks: null, rssBytes: null };
  const ps = spawnSync('ps', ['-o', 'rss=,time=', '-p', String(pid)], { encoding: 'utf8' });
  const m = /^\s*(\d+)\s+(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)/.exec(ps.stdout ?? '');
  if (!m) return null;
  const seconds = Number(m[2] ?? 0) * 86400 + Number(m[3] ?? 0) * 3600 + Number(m[4]) * 60 + Number(m[5]);
  return { ticks: seconds * CLK_TCK, rssBytes: Number(m[1]) * 1024 };
}

export interface VitalsSource {
  pids(): { web: number | null; agent: number | null };
  agentLoad(): { active: number; queued: number };
  /** Someone is looking (a subscribed window): sampling costs nothing while nobody is. */
  watching(): boolean;
}

/**
 * The services' vitals over the last 15 minutes, for the status window's charts: CPU and
 * memory of web and agent, and the agent's active and queued items, sampled from the OS
 * every few seconds into a ring, plus marks for crashes and starts. No sampling while
 * nothing watches.
 */
export class VitalsSampler {
  private samples: VitalSample[] = [];
  private marks: VitalMark[] = [];
  private last: Record<'web' | 'agent', (CpuReading & { pid: number }) | null> = { web: null, agent: null };
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly source: VitalsSource,
    private readonly intervalMs = VITALS_INTERVAL_MS,
  ) {
    this.timer = setInterval(() => {
      if (this.source.watching()) this.sample();
    }, intervalMs);
    this.timer.unref();
  }

  mark(service: 'web' | 'agent', kind: VitalMark['kind']): void {
    this.marks.push({ at: new Date().toISOString(), service, kind });
    this.trim();
  }

  sample(now = Date.now()): void {
    const pids = this.source.pids();
    const one = (name: 'web' | 'agent') => {
      const pid = pids[name];
      if (pid === null) {
        this.last[name] = null;
        return null;
      }
      const r = readProcess(pid);
      if (!r) return null;
      const prev = this.last[name];
      const cpu = r.ticks !== null && prev && prev.pid === pid && now > prev.at ? Math.max(0, ((r.ticks - prev.ticks) / CLK_TCK / ((now - prev.at) / 1000)) * 100) : null;
      this.last[name] = r.ticks !== null ? { pid, ticks: r.ticks, at: now } : null;
      return { cpu: cpu === null ? null : Math.round(cpu * 10) / 10, rssBytes: r.rssBytes };
    };
    const web = one('web');
    const agent = one('agent');
    this.samples.push({ at: new Date(now).toISOString(), web, agent: agent && { ...agent, ...this.source.agentLoad() } });
    this.trim(now);
  }

  snapshot(): Vitals {
    // A window that just opened should not wait a whole interval for its first point.
    if (this.samples.length === 0 || Date.now() - Date.parse(this.samples[this.samples.length - 1].at) > this.intervalMs) this.sample();
    return { intervalMs: this.intervalMs, windowMs: VITALS_WINDOW_MS, samples: [...this.samples], marks: [...this.marks] };
  }

  dispose(): void {
    clearInterval(this.timer);
  }

  private trim(now = Date.now()): void {
    const since = now - VITALS_WINDOW_MS;
    while (this.samples.length && Date.parse(this.samples[0].at) < since) this.samples.shift();
    while (this.marks.length && Date.parse(this.marks[0].at) < since) this.marks.shift();
  }
}

/** A sampler of a home's two services, marking their crashes and starts as they happen. */
export function sampleVitals(services: Services, watching: () => boolean): VitalsSampler {
  const sampler = new VitalsSampler({
    pids: () => ({ web: services.web.proc.pid, agent: services.agent.proc.pid }),
    agentLoad: () => {
      const a = services.agentActivity();
      return { active: a.active ?? 0, queued: a.queued ?? 0 };
    },
    watching,
  });
  for (const s of services.all) {
    s.proc.on('state', (to: string) => {
      if (to === 'crashed' || to === 'running') sampler.mark(s.name, to === 'crashed' ? 'crashed' : 'started');
    });
  }
  return sampler;
}
