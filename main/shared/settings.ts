import { z } from 'zod';
import semver from 'semver';
import { DEFAULT_PACKAGE, DEFAULT_WEB_PORT } from './defaults';

/**
 * The shape of config.json, the manager's settings: one schema for the CLI, the
 * supervisor, the control protocol and the app's settings view. Reading and writing the
 * file is core's job (core/config.ts); this is only what a valid file holds.
 */


const channel = z.enum(['stable', 'canary']);
const autoMode = z.enum(['off', 'when-idle']);
const exactVersion = z.string().refine((v) => semver.valid(v) === v, { message: 'must be an exact semver version such as 1.4.2' });
const url = z.string().refine((v) => /^https?:\/\//.test(v) && URL.canParse(v), { message: 'must be an http(s) URL' });

/**
 * The manager's settings. Unknown keys are kept as they are (`loose`): a newer
 * Anima Desktop may have written them, and we never drop what we don't understand.
 */
export const ConfigSchema = z.looseObject({
  channel: channel.default('stable'),
  runtime: z
    .looseObject({
      package: z.string().min(1).default(DEFAULT_PACKAGE),
      /** The pin: the version that should run. Lives here, outside runtime/, so deleting runtime/ loses nothing. */
      version: exactVersion.optional(),
      registry: url.optional(),
      /** How many installed versions to keep (the current one and the one before it, by default). */
      keepVersions: z.number().int().min(1).max(50).default(2),
      /** A development home runs a source checkout in place. */
      source: z.string().min(1).optional(),
    })
    .default({ package: DEFAULT_PACKAGE, keepVersions: 2 }),
  web: z.looseObject({ port: z.number().int().min(1).max(65535).default(DEFAULT_WEB_PORT) }).default({ port: DEFAULT_WEB_PORT }),
  updates: z
    .looseObject({
      checkIntervalHours: z.number().positive().max(24 * 30).default(6),
      skipped: z.array(exactVersion).default([]),
      /** Opt-in automatic upgrades, `off` on every channel unless the user turns them on. */
      auto: autoMode.default('off'),
      /** How long the agent must have had no active and no queued items before an automatic upgrade. */
      idleMinutes: z.number().min(0).max(7 * 24 * 60).default(10),
      /** Install an offered version beside the running one in the background, so that the upgrade is a restart. Never pins or starts it. */
      prepare: z.boolean().default(true),
    })
    .default({ checkIntervalHours: 6, skipped: [], auto: 'off', idleMinutes: 10, prepare: true }),
  drainTimeoutSeconds: z.number().int().min(0).max(24 * 3600).default(120),
});

export type Config = z.infer<typeof ConfigSchema>;
export type Channel = z.infer<typeof channel>;
export type AutoUpgradeMode = z.infer<typeof autoMode>;
export type UpdatesSettings = Config['updates'];
export type Environment = 'development' | 'canary' | 'stable';

