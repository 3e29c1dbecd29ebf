// How commands talk to the home's supervisor: ask for its status, or hand it an operation
// (start, stop, restart, upgrade) and show the progress it reports until its verdict.
import type { Context } from '../core/context';
import { connectIfRunning, type ControlClient } from '../core/control-client';
import { describeInstallProgress } from '../core/installer';
import { offlineStatus } from '../core/status';
import type { OperationOutcome, SupervisorEvent } from '../shared/control-protocol';
import type { HomeStatus } from '../shared/status';
import { contextFor, JSON_OPTION, type Invocation } from './command';
import type { Output } from './output';

/** Uses a connected client once, then closes it whatever happens. */
export async function closing<T>(client: ControlClient, fn: (client: ControlClient) => Promise<T>): Promise<T> {
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** The invocation's home, and a client of its supervisor when one runs: this starts none. */
export async function runningSupervisor(inv: Invocation): Promise<{ ctx: Context; client: ControlClient | null }> {
  const ctx = contextFor(inv);
  return { ctx, client: await connectIfRunning(ctx.paths) };
}

/** The home's status: from the supervisor when one runs, else from disk (pid files show services a dead supervisor left behind). */
export async function currentStatus(inv: Invocation): Promise<HomeStatus> {
  const { ctx, client } = await runningSupervisor(inv);
  if (!client) return offlineStatus(ctx);
  return closing(client, (c) => c.request('status', {}, { timeoutMs: 5000 }));
}

/** Registry and package overrides travel with each request: the supervisor may have been started by someone else. */
export function overrides(inv: Invocation) {
  const flag = inv.options.registry;
  const registry = flag ?? inv.env.ANIMA_REGISTRY;
  const registrySource = flag ? 'the --registry flag' : 'the ANIMA_REGISTRY environment variable';
  const pkg = inv.options.package ?? inv.env.ANIMA_RUNTIME_PACKAGE;
  return { ...(registry ? { registry, registrySource } : {}), ...(pkg ? { package: pkg } : {}) };
}

function describeProgress(ev: SupervisorEvent, out: Output): void {
  if (ev.event !== 'progress') return;
  const d = ev.data;
  // The verdict is the outcome's message, printed once at the end.
  if (d.step === 'done' || d.step === 'rolled-back' || d.step === 'failed') return;
  if (d.step === 'downloading' && typeof d.data?.bytes === 'number') {
    out.progress(describeInstallProgress({ step: 'downloading', version: d.data.version as string | undefined, bytes: d.data.bytes, total: d.data.total as number | undefined }));
  } else if (d.step === 'draining' || d.step === 'downloading') {
    out.progress(d.message);
  } else {
    out.endProgress();
    out.err(d.message);
  }
}

/** Sends one operation to the supervisor, showing its progress events as they come. */
export async function runOperation(client: ControlClient, inv: Invocation, send: () => Promise<OperationOutcome>): Promise<OperationOutcome> {
  const listener = (ev: SupervisorEvent) => describeProgress(ev, inv.out);
  client.on('event', listener);
  try {
    await client.request('subscribe', {});
    return await send();
  } finally {
    client.off('event', listener);
    inv.out.endProgress();
  }
}

/** Runs one operation on a connected supervisor, prints its verdict (or JSON), closes, and gives the exit code. */
export async function operate(client: ControlClient, inv: Invocation<typeof JSON_OPTION>, send: () => Promise<OperationOutcome>): Promise<number> {
  return closing(client, async () => {
    const outcome = await runOperation(client, inv, send);
    if (inv.options.json) inv.out.json(outcome);
    else printOutcome(outcome, inv.out);
    return outcome.ok ? 0 : 1;
  });
}

export function printOutcome(o: OperationOutcome, out: Output): void {
  if (o.forced) out.err(`Warning: ${o.forced}.`);
  // Each check was already shown as it ran; repeat only the ones that failed, next to the verdict.
  if (o.checks) for (const c of o.checks.filter((c) => !c.ok)) out.err(`  ✗ ${c.name}: ${c.detail}`);
  out.out(o.message);
}
