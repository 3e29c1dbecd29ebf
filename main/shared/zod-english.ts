import { config } from 'zod/mini';
import { en } from 'zod/locales';

/**
 * Our schemas are written with zod/mini, not classic zod: the same validation with a
 * fraction of the code (classic zod with its 40 locales was ~770 KB of the supervisor's
 * 970 KB bundle, all of it compiled and kept in a process that stays up for days). zod/mini
 * loads no messages of its own ("Invalid input" for everything): this gives it classic
 * zod's English ones, which config.json errors and refused requests quote to the user.
 * Imported for its effect by every module that builds schemas at load time; the preload,
 * which must stay free of zod, imports ipc-contract.ts, which builds its schemas lazily
 * (ipc-handlers.ts imports this instead).
 */
config(en());
