// The registry worker (dist/registry-worker.cjs): one task from the supervisor, then exit.
// See registry-task.ts for why it is a process of its own and how it talks.
import { writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { createContext } from '../core/context';
import { isAnimaError, messageOf } from '../core/errors';
import { installVersion } from '../core/installer';
import { resolveVersion } from '../core/registry';
import { redact } from '../core/redact';
import { channelVersion, checkForUpdates } from '../core/update-check';
import type { RegistryTask, TaskMessage, TaskRequest, TaskResults } from './registry-task';

function send(msg: TaskMessage): void {
  writeSync(3, JSON.stringify(msg) + '\n');
}

function fail(e: unknown): never {
  send({ error: isAnimaError(e) ? { code: e.code, message: redact(e.message), hint: e.hint && redact(e.hint), details: e.details, exitCode: e.exitCode } : { code: 'EWORKER', message: redact(messageOf(e)) } });
  process.exit(1);
}

async function run(req: TaskRequest): Promise<TaskResults[RegistryTask['task']]> {
  const ctx = createContext(req.context, process.env);
  const t = req.task;
  switch (t.task) {
    case 'install': {
      const spec = t.spec ?? (await channelVersion(ctx));
      if (t.announce) send({ note: `Installing ${ctx.packageName}@${spec} (${ctx.channel}) from ${(await ctx.registry()).url}` });
      return installVersion(ctx, spec, { activate: t.activate, protect: t.protect, onProgress: (progress) => send({ progress }) });
    }
    case 'target': {
      const registry = await ctx.registry();
      const version = t.requested ? (await resolveVersion(registry, ctx.packageName, t.requested)).version : await channelVersion(ctx);
      return { version, registry: registry.url };
    }
    case 'check':
      await checkForUpdates(ctx, { timeoutMs: t.timeoutMs });
      return { ok: true };
  }
}

// Our supervisor is gone (killed mid-task): stop at once; what we left is swept next time.
const lifeline = new Socket({ fd: 4, readable: true, writable: false });
lifeline.on('data', () => {}).on('end', () => process.exit(137)).on('error', () => process.exit(137));
lifeline.unref();
process.on('uncaughtException', fail);

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d: string) => (input += d)).on('end', () => {
  run(JSON.parse(input) as TaskRequest).then((result) => {
    send({ result });
    process.exit(0);
  }, fail);
});
