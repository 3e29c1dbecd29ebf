import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet, httpJson } from './http';
import type { Check, VerifyResult } from '../shared/status';


/** What is compared before and after a restart or an upgrade (contract §6). */
export interface Snapshot {
  webPid: number | null;
  agentPid: number | null;
  startedAt: string | null;
  providerDigests: Record<string, string>;
}

/** sha256 of every agents/<agent>/provider.json: an upgrade must leave each one byte-identical. */
export function providerDigests(home: string): Record<string, string> {
  const out: Record<string, string> = {};
  let agents: string[] = [];
  try {
    agents = readdirSync(join(home, 'agents'));
  } catch {
    return out;
  }
  for (const a of agents.sort()) {
    try {
      out[a] = createHash('sha256').update(readFileSync(join(home, 'agents', a, 'provider.json'))).digest('hex');
    } catch {
      // No provider.json for this agent: nothing to compare.
    }
  }
  return out;
}

export async function serverStartedAt(url: string): Promise<string | null> {
  try {
    const r = await httpJson<{ startedAt?: string }>(`${url}/api/server-info`);
    return typeof r.json?.startedAt === 'string' ? r.json.startedAt : null;
  } catch {
    return null;
  }
}

export interface VerifyInput {
  url: string;
  home: string;
  environment: string;
  expectedVersion: string;
  webPid: number | null;
  agentPid: number | null;
  /** Present when a restart was expected: pids must change, startedAt advance, provider configs stay identical. */
  before?: Snapshot;
  onCheck?: (c: Check) => void;
}

/** Every check of contract §6, each with what it saw; one failing check fails the whole. */
export async function verifyRuntime(input: VerifyInput): Promise<VerifyResult> {
  const checks: Check[] = [];
  const add = (c: Check) => {
    checks.push(c);
    input.onCheck?.(c);
  };
  const { before, url } = input;

  if (before) {
    const same = (['webPid', 'agentPid'] as const).filter((k) => before[k] !== null && before[k] === (k === 'webPid' ? input.webPid : input.agentPid));
    add({ name: 'pids-changed', ok: same.length === 0 && input.webPid !== null && input.agentPid !== null, detail: same.length ? `${same.join(', ')} unchanged` : `web ${before.webPid ?? '-'} → ${input.webPid}, agent ${before.agentPid ?? '-'} → ${input.agentPid}` });
  }

  // Web answering says nothing about the agent: it must be there too.
  add({ name: 'agent', ok: input.agentPid !== null, detail: input.agentPid !== null ? `running (pid ${input.agentPid})` : 'not running' });

  // The runtime is asked everything at once (it answers in parallel); the checks are then
  // judged, and reported, in the contract's order.
  const [infoR, healthR, pageR, deepR] = await Promise.all([
    settled(httpJson(`${url}/api/server-info`)),
    settled(httpGet(`${url}/api/health`)),
    settled(httpGet(`${url}/`)),
    settled(httpJson<{ checks?: Array<{ name: string; ok: boolean; detail?: string }> }>(`${url}/api/health/deep`)),
  ]);

  let info: Record<string, unknown> | null = null;
  try {
    const r = infoR();
    info = r.status === 200 ? r.json : null;
    if (!info) add({ name: 'server-info', ok: false, detail: `HTTP ${r.status}, not a JSON object` });
  } catch (e) {
    add({ name: 'server-info', ok: false, detail: `no answer: ${(e as Error).message}` });
  }
  if (info) {
    const wrong = (['version', 'environment', 'home'] as const)
      .map((k) => [k, info![k], k === 'version' ? input.expectedVersion : k === 'environment' ? input.environment : input.home] as const)
      .filter(([, got, want]) => got !== want);
    add({ name: 'server-info', ok: wrong.length === 0, detail: wrong.length ? wrong.map(([k, got, want]) => `${k} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`).join('; ') : `version ${info.version}, ${info.environment}` });
    if (before) {
      const startedAt = typeof info.startedAt === 'string' ? info.startedAt : null;
      const advanced = !!startedAt && (!before.startedAt || Date.parse(startedAt) > Date.parse(before.startedAt));
      add({ name: 'started-at', ok: advanced, detail: `${before.startedAt ?? '(none)'} → ${startedAt ?? '(none)'}` });
    }
  }

  try {
    const r = healthR();
    add({ name: 'health', ok: r.status === 200, detail: `${r.status} in ${r.ms} ms` });
  } catch (e) {
    add({ name: 'health', ok: false, detail: `no answer: ${(e as Error).message}` });
  }

  try {
    const r = pageR();
    const meta = /<meta\s+name=["']anima-version["']\s+content=["']([^"']*)["']/i.exec(r.body)?.[1] ?? null;
    add({ name: 'dashboard', ok: r.status === 200 && meta === input.expectedVersion, detail: r.status !== 200 ? `HTTP ${r.status}` : meta === null ? 'no anima-version meta in the page' : `serves ${meta}${meta === input.expectedVersion ? '' : `, expected ${input.expectedVersion}`}` });
  } catch (e) {
    add({ name: 'dashboard', ok: false, detail: `no answer: ${(e as Error).message}` });
  }

  if (before) {
    const now = providerDigests(input.home);
    const changed = Object.keys({ ...before.providerDigests, ...now }).filter((a) => before.providerDigests[a] !== now[a]);
    add({ name: 'provider-configs', ok: changed.length === 0, detail: changed.length ? `changed: ${changed.map((a) => `agents/${a}/provider.json`).join(', ')}` : `${Object.keys(now).length} unchanged` });
  }

  try {
    const r = deepR();
    if (r.status === 404) {
      // Optional in the contract: a runtime without deep health is not at fault.
    } else if (r.status !== 200 || !Array.isArray(r.json?.checks)) {
      add({ name: 'deep-health', ok: false, detail: `HTTP ${r.status}, not {"checks": [...]}` });
    } else {
      for (const c of r.json!.checks!) add({ name: `deep-health:${c.name}`, ok: c.ok === true, detail: c.detail ?? '' });
    }
  } catch (e) {
    add({ name: 'deep-health', ok: false, detail: `no answer: ${(e as Error).message}` });
  }

  return { ok: checks.every((c) => c.ok), version: typeof info?.version === 'string' ? info.version : null, checks };
}

/** A promise's outcome as a function that returns the value or throws the error, read later. */
function settled<T>(p: Promise<T>): Promise<() => T> {
  return p.then(
    (v) => () => v,
    (e: unknown) => () => {
      throw e;
    },
  );
}
