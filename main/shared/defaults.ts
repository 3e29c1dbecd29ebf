/**
 * Defaults of the settings, apart from their schema (settings.ts): the CLI's fast paths
 * print them in `--help` without loading zod.
 */
export const DEFAULT_PACKAGE = '@meetquinn/animactl';
export const DEFAULT_WEB_PORT = 4280;
