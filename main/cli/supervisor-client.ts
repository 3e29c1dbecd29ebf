// How commands talk to the home's supervisor: ask for its status, or hand it an operation
// (start, stop, restart, upgrade) and show the progress it reports until its verdict.
import { connectIfRunning, type ControlClient } from '../core/control-client';
import { describeInstallProgress } from '../core/installer';
import { offlineStatus, offlineStatusWithoutConfig } from '../core/status';
import type { OperationOutcome, SupervisorEvent } from '../shared/control-protocol';
import type { HomeStatus } from '../shared/status';
import { contextIfReadable, homeLayout, JSON_OPTION, type Invocation } from './command';
import type { AnimaError } from '../core/errors';
import type { Output } from './output';

/** Uses a connected client once, then closes it whatever happens. */
export async function closing<T>(client: ControlClient, fn: (client: ControlClient) => Promise<T>): Promise<T> {
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/**
 * The home's status: from the supervisor when one runs, else from disk (pid files show
 * services a dead supervisor left behind). A broken config.json doesn't stop it: the
 * supervisor keeps its last good settings; `problem` says what is wrong with the file.
 */
export async function currentStatus(inv: Invocation): Promise<{ status: HomeStatus; problem: AnimaError | null }> {
  const { ctx, paths, problem } = contextIfReadable(inv);
  const client = await connectIfRunning(paths);
  if (client) return { status: await closing(client, (c) => c.request('status', {}, { timeoutMs: 5000 })), problem };
  return { status: ctx ? offlineStatus(ctx) : offlineStatusWithoutConfig(paths), problem };
}

/** The version the services run now, asked of the supervisor; null when nothing runs. */
export async function runningVersion(inv: Invocation): Promise<string | null> {
  const client = await connectIfRunning(homeLayout(inv));
  if (!client) return null;
  const s = await closing(client, (c) => c.request('status', {}, { timeoutMs: 5000 }));
  return s.services.web.pid || s.services.agent.pid ? s.runtime.version : null;
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

/** The home flag to repeat in a suggested command, when this invocation named one. */
export function homeArgs(inv: Invocation): string {
  const { home, dev } = inv.options;
  return home !== undefined ? ` --home ${home}` : dev !== undefined ? ` --dev ${dev}` : '';
}

/**
 * Ctrl-C stops following, not the operation: the supervisor carries on without us, so
 * the user is told so, how to follow it and how to stop it (exit 130, as for any SIGINT).
 */
function onInterrupt(inv: Invocation, kind: string): () => void {
  return () => {
    const h = homeArgs(inv);
    inv.out.endProgress();
    inv.out.err('');
    inv.out.err(`Interrupted: the ${kind} goes on in the background (the supervisor runs it, not this command).`);
    inv.out.err(`  Follow it: \`animactl status${h}\` or \`animactl logs supervisor --follow${h}\``);
    inv.out.err(`  Cancel it: \`animactl cancel${h}\``);
    process.exitCode = 130;
    process.stderr.write('', () => process.exit(130));
  };
}

/** Sends one operation to the supervisor, showing its progress events as they come. */
export async function runOperation(client: ControlClient, inv: Invocation, send: () => Promise<OperationOutcome>, kind = 'operation'): Promise<OperationOutcome> {
  const listener = (ev: SupervisorEvent) => describeProgress(ev, inv.out);
  const interrupted = onInterrupt(inv, kind);
  client.on('event', listener);
  process.on('SIGINT', interrupted);
  try {
    await client.request('subscribe', {});
    return await send();
  } finally {
    process.off('SIGINT', interrupted);
    client.off('event', listener);
    inv.out.endProgress();
  }
}

/** Runs one operation on a connected supervisor, prints its verdict (or JSON), closes, and gives the exit code. */
export async function operate(client: ControlClient, inv: Invocation<typeof JSON_OPTION>, kind: string, send: () => Promise<OperationOutcome>): Promise<number> {
  return closing(client, async () => {
    const outcome = await runOperation(client, inv, send, kind);
    if (inv.options.json) inv.out.json({ ...outcome, message: tidy(outcome.message) });
    else printOutcome(outcome, inv.out);
    return outcome.ok ? 0 : 1;
  });
}

export function printOutcome(o: OperationOutcome, out: Output): void {
  if (o.forced) out.err(`Warning: ${sentence(o.forced)}`);
  // Each check was already shown as it ran; repeat only the ones that failed, next to the verdict.
  if (o.checks) for (const c of o.checks.filter((c) => !c.ok)) out.err(`  ✗ ${c.name}: ${c.detail}`);
  out.out(tidy(o.message));
}

/** A detail that ends with its own period, joined into a message that adds one, reads "s.. Rolled back": once is enough. */
export function tidy(message: string): string {
  return message.replace(/(?<!\.)\.\.(?=\s|$)/g, '.');
}

function sentence(text: string): string {
  return tidy(/[.!?]$/.test(text) ? text : `${text}.`);
}
