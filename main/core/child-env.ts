/**
 * The environment code we don't control gets: services (runtime contract §2) and the
 * install scripts of a runtime's dependencies. Not the manager's whole environment: it
 * may hold npm tokens, cloud keys, proxy URLs with passwords, and an agent runs
 * LLM-driven tools that can read its environment. An allowlist, not a blocklist: a
 * secret under a name nobody thought of stays out too.
 */

/** Variables a process needs to behave as the user's: where things are, who, which language and time zone. */
const ALLOWED = new Set(['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'TEMP', 'TMP']);

/**
 * Windows: what a process needs to start and find system folders. Windows variable names
 * are case-insensitive (Path, SystemRoot…), so they are compared upper-cased.
 */
const WINDOWS = new Set([
  'PATH', 'PATHEXT', 'SYSTEMROOT', 'SYSTEMDRIVE', 'WINDIR', 'COMSPEC', 'USERPROFILE', 'USERNAME', 'USERDOMAIN',
  'APPDATA', 'LOCALAPPDATA', 'PROGRAMDATA', 'PROGRAMFILES', 'PROGRAMFILES(X86)', 'PROGRAMW6432', 'COMMONPROGRAMFILES',
  'COMMONPROGRAMFILES(X86)', 'COMMONPROGRAMW6432', 'HOMEDRIVE', 'HOMEPATH', 'PUBLIC', 'ALLUSERSPROFILE',
  'NUMBER_OF_PROCESSORS', 'PROCESSOR_ARCHITECTURE', 'PROCESSOR_IDENTIFIER', 'OS', 'COMPUTERNAME',
]);

/** Even an allowed name is dropped when its value carries credentials (a PATH entry is never `user:pw@`, a proxy URL often is). */
const CREDENTIAL_IN_VALUE = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/@]*:[^\s/@]*@/i;

/** The names that must never pass, whatever an allowlist says (documented in the contract and tested). */
export function isSecretLooking(name: string): boolean {
  const n = name.toUpperCase();
  return (
    n.startsWith('NPM_CONFIG_') ||
    n === 'NODE_OPTIONS' ||
    /(^|_)(TOKEN|KEY|SECRET|SECRETS|PASSWORD|PASSWD|PASS|PWD|CREDENTIALS?|AUTH|SESSION|COOKIE|PRIVATE)(_|$)/.test(n) ||
    /(TOKEN|SECRET|PASSWORD|APIKEY|API_KEY)/.test(n)
  );
}

function allowed(name: string, platform: NodeJS.Platform): boolean {
  if (isSecretLooking(name)) return false;
  if (ALLOWED.has(name) || name.startsWith('LC_')) return true;
  return platform === 'win32' && WINDOWS.has(name.toUpperCase());
}

/** The user's variables a child may see: the allowlist, minus anything that looks like a secret. */
export function scrubbedEnv(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !allowed(name, platform) || CREDENTIAL_IN_VALUE.test(value)) continue;
    out[name] = value;
  }
  return out;
}
