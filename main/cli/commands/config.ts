import { SETTINGS, getSetting, parseSettingValue, setConfigValue } from '../../core/config';
import { UsageError } from '../../core/errors';
import { contextFor, defineCommand, homeLayout, JSON_OPTION } from '../command';

function formatValue(value: unknown): string {
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export const configGet = defineCommand({
  name: 'config get',
  summary: 'print one setting, or all of them',
  usage: 'animactl config get [KEY] [--json]',
  options: JSON_OPTION,
  positionals: ['key'],
  async run(inv) {
    const ctx = contextFor(inv);
    const { key } = inv.positionals;
    if (key) {
      const value = getSetting(ctx.config, key);
      if (inv.options.json) inv.out.json(value ?? null);
      else inv.out.out(value === undefined ? '' : formatValue(value));
      return 0;
    }
    if (inv.options.json) {
      inv.out.json(ctx.config);
      return 0;
    }
    for (const k of Object.keys(SETTINGS)) {
      const value = getSetting(ctx.config, k);
      inv.out.out(`${k.padEnd(28)}${value === undefined ? '(unset)' : formatValue(value)}`);
    }
    return 0;
  },
});

export const configSet = defineCommand({
  name: 'config set',
  summary: 'change a setting (validated)',
  usage: 'animactl config set KEY VALUE',
  options: {},
  positionals: ['key', 'value'],
  async run(inv) {
    const { key, value } = inv.positionals;
    if (key === undefined || value === undefined) throw new UsageError('config set needs KEY and VALUE', `Settings: ${Object.keys(SETTINGS).join(', ')}`);
    const parsedValue = parseSettingValue(key, value);
    // Not contextFor: that refuses a config.json with a bad value, which `config set` may repair.
    // Any other problem with the file is reported as such, and the file is not overwritten.
    setConfigValue(homeLayout(inv).config, key, parsedValue);
    inv.out.out(`${key} = ${formatValue(parsedValue)}`);
    return 0;
  },
});
