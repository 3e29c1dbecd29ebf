import * as z from 'zod/mini';
import semver from 'semver';
import { DEFAULT_PACKAGE, DEFAULT_WEB_PORT } from './defaults';
import './zod-english';

/**
 * The shape of config.json, the manager's settings: one schema for the CLI, the
 * supervisor, the control protocol and the app's settings view. Reading and writing the
 * file is core's job (core/config.ts); this is only what a valid file holds.
 */

const channel = z.enum(['stable', 'canary']);
const autoMode = z.enum(['off', 'when-idle']);
const exactVersion = z.string().check(z.refine((v) => semver.valid(v) === v, { message: 'must be an exact semver version such as 1.4.2' }));
const url = z.string().check(z.refine((v) => /^https?:\/\//.test(v) && URL.canParse(v), { message: 'must be an http(s) URL' }));
const int = (min: number, max: number) => z.number().check(z.int(), z.gte(min), z.lte(max));

/**
 * The manager's settings. Unknown keys are kept as they are (`loose`): a newer
 * Anima Desktop may have written them, and we never drop what we don't understand.
 */
export const ConfigSchema = z.looseObject({
  channel: z._default(channel, 'stable'),
  runtime: z._default(
    z.looseObject({
      package: z._default(z.string().check(z.minLength(1)), DEFAULT_PACKAGE),
      /** The pin: the version that should run. Lives here, outside runtime/, so deleting runtime/ loses nothing. */
      version: z.optional(exactVersion),
      registry: z.optional(url),
      /** How many installed versions to keep (the current one and the one before it, by default). */
      keepVersions: z._default(int(1, 50), 2),
      /** A development home runs a source checkout in place. */
      source: z.optional(z.string().check(z.minLength(1))),
    }),
    { package: DEFAULT_PACKAGE, keepVersions: 2 },
  ),
  web: z._default(z.looseObject({ port: z._default(int(1, 65535), DEFAULT_WEB_PORT) }), { port: DEFAULT_WEB_PORT }),
  updates: z._default(
    z.looseObject({
      checkIntervalHours: z._default(z.number().check(z.gt(0), z.lte(24 * 30)), 6),
      skipped: z._default(z.array(exactVersion), []),
      /** Opt-in automatic upgrades, `off` on every channel unless the user turns them on. */
      auto: z._default(autoMode, 'off'),
      /** How long the agent must have had no active and no queued items before an automatic upgrade. */
      idleMinutes: z._default(z.number().check(z.gte(0), z.lte(7 * 24 * 60)), 10),
      /** Install an offered version beside the running one in the background, so that the upgrade is a restart. Never pins or starts it. */
      prepare: z._default(z.boolean(), true),
    }),
    { checkIntervalHours: 6, skipped: [], auto: 'off', idleMinutes: 10, prepare: true },
  ),
  drainTimeoutSeconds: z._default(int(0, 24 * 3600), 120),
});

export type Config = z.infer<typeof ConfigSchema>;
export type Channel = z.infer<typeof channel>;
export type AutoUpgradeMode = z.infer<typeof autoMode>;
export type UpdatesSettings = Config['updates'];
export type Environment = 'development' | 'canary' | 'stable';

