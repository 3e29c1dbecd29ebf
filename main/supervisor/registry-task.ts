import type { InstallProgress, InstallResult } from '../core/installer';

/**
 * What the supervisor asks of the registry worker, a child process kept only while there
 * is registry work (an operation's few tasks share it, then it goes): the registry, pacote
 * and npm's config are loaded there and never stay in the supervisor's memory (it lives for
 * weeks). The wire: tasks as NDJSON on stdin (`{id, context, task}`); NDJSON on fd 3 tagged
 * with the task's id (`progress`, `note`, then `result` or `error`); fd 4 a lifeline the
 * child watches.
 */
export interface TaskContext {
  home: string;
  registry?: string;
  registrySource?: string;
  package?: string;
  channel?: string;
}

export type RegistryTask =
  /** Without `spec`: the channel's version. `announce`: say what is installed from where before it starts. */
  | { task: 'install'; spec?: string; activate?: boolean; protect?: string[]; announce?: boolean }
  /** The version an upgrade goes to: the one asked for (exact or a dist-tag), else the channel's. */
  | { task: 'target'; requested?: string }
  /** An update check: its answer is recorded in run/update-check.json, read by the offer. */
  | { task: 'check'; timeoutMs?: number };

export interface TaskResults {
  install: InstallResult;
  target: { version: string; registry: string };
  check: { ok: true };
}

export type TaskMessage = { id: number } & (
  | { progress: InstallProgress }
  | { note: string }
  | { result: unknown }
  | { error: { code: string; message: string; hint?: string; details?: Record<string, unknown>; exitCode?: number } }
);

export interface TaskRequest {
  id: number;
  context: TaskContext;
  task: RegistryTask;
}
