import type { InstallProgress, InstallResult } from '../core/installer';

/**
 * What the supervisor asks of the registry worker, a short-lived child process: the
 * registry, pacote and npm's config are loaded there, for the task only, and never stay
 * in the supervisor's memory (it lives for weeks). The wire: the task as JSON on stdin;
 * NDJSON on fd 3 (`progress`, then `result` or `error`); fd 4 a lifeline the child watches.
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

export type TaskMessage =
  | { progress: InstallProgress }
  | { note: string }
  | { result: unknown }
  | { error: { code: string; message: string; hint?: string; details?: Record<string, unknown>; exitCode?: number } };

export interface TaskRequest {
  context: TaskContext;
  task: RegistryTask;
}
