// What `animactl service install` writes for each OS's service manager: a systemd user
// unit, a launchd LaunchAgent, a Windows Task Scheduler task. Pure text from data, so
// every platform's file is tested here whatever OS the tests run on.
import { createHash } from 'node:crypto';

/** The supervisor as the service manager should run it: in the foreground, for one home. */
export interface ServiceSpec {
  home: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  /** How long a stop may take: the agent's drain, plus a margin for web and the supervisor. */
  stopTimeoutSeconds: number;
  /** Where launchd sends what the supervisor prints (systemd has the journal, the supervisor also appends its own log). */
  logFile: string;
}

/** One registration per home: the home's path, hashed, names it (two homes can be registered side by side). */
export function serviceId(home: string): string {
  return `anima-${createHash('sha256').update(home).digest('hex').slice(0, 10)}`;
}

export const systemdUnitName = (home: string) => `${serviceId(home)}.service`;
export const launchdLabel = (home: string) => `ai.meetquinn.${serviceId(home)}`;
export const windowsTaskName = (home: string) => `Anima Desktop ${serviceId(home)}`;

function refuseControlCharacters(values: string[]): void {
  // A newline would end a unit's line or an XML text node early: no path of ours holds one.
  const bad = values.find((v) => /[\0-\x1f]/.test(v));
  if (bad !== undefined) throw new Error(`Cannot write a service definition with a control character in ${JSON.stringify(bad)}`);
}

/** systemd.syntax: specifiers start with %, Exec lines expand $VAR; both are doubled to stay literal. */
function systemdLiteral(s: string): string {
  return s.replace(/%/g, '%%');
}

function systemdQuote(s: string, exec: boolean): string {
  const quoted = `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return systemdLiteral(exec ? quoted.replace(/\$/g, '$$$$') : quoted);
}

export function systemdUnit(spec: ServiceSpec): string {
  refuseControlCharacters([spec.home, spec.command, ...spec.args, ...Object.entries(spec.env).flat()]);
  const exec = [spec.command, ...spec.args].map((a) => systemdQuote(a, true)).join(' ');
  const env = Object.entries(spec.env).map(([k, v]) => `Environment=${systemdQuote(`${k}=${v}`, false)}`);
  return [
    '# Written by `animactl service install`; `animactl service uninstall` removes it.',
    '[Unit]',
    `Description=Anima supervisor for ${systemdLiteral(spec.home)}`,
    'Documentation=https://anima.meetquinn.ai',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    ...env,
    `WorkingDirectory=${systemdLiteral(spec.home)}`,
    // A crash is restarted; a clean exit (a stop asked through animactl, a shutdown) is not.
    'Restart=on-failure',
    'RestartSec=2',
    // 2 is a usage error: restarting would fail the same way forever.
    'RestartPreventExitStatus=2',
    // Only the supervisor is signalled: the services it started outlive a supervisor crash and
    // the restarted one adopts them (docs/design.md, "Recovery: adopt"). A stop still stops them:
    // the supervisor drains and stops its services on SIGTERM before it exits.
    'KillMode=process',
    `TimeoutStopSec=${Math.ceil(spec.stopTimeoutSeconds)}`,
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function launchdPlist(spec: ServiceSpec): string {
  refuseControlCharacters([spec.home, spec.command, ...spec.args, spec.logFile, ...Object.entries(spec.env).flat()]);
  const str = (s: string) => `<string>${xmlEscape(s)}</string>`;
  const key = (k: string) => `<key>${xmlEscape(k)}</key>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    `  ${key('Label')}${str(launchdLabel(spec.home))}`,
    `  ${key('ProgramArguments')}`,
    '  <array>',
    ...[spec.command, ...spec.args].map((a) => `    ${str(a)}`),
    '  </array>',
    `  ${key('EnvironmentVariables')}`,
    '  <dict>',
    ...Object.entries(spec.env).map(([k, v]) => `    ${key(k)}${str(v)}`),
    '  </dict>',
    `  ${key('WorkingDirectory')}${str(spec.home)}`,
    `  ${key('RunAtLoad')}<true/>`,
    // Restarted when it fails, not after a clean exit (a stop asked through animactl).
    `  ${key('KeepAlive')}`,
    '  <dict>',
    `    ${key('SuccessfulExit')}<false/>`,
    '  </dict>',
    `  ${key('ThrottleInterval')}<integer>5</integer>`,
    // The services outlive a supervisor crash and are adopted by the next one (KillMode=process in systemd's terms).
    `  ${key('AbandonProcessGroup')}<true/>`,
    `  ${key('ExitTimeOut')}<integer>${Math.ceil(spec.stopTimeoutSeconds)}</integer>`,
    `  ${key('ProcessType')}${str('Background')}`,
    `  ${key('StandardOutPath')}${str(spec.logFile)}`,
    `  ${key('StandardErrorPath')}${str(spec.logFile)}`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

/** One argument as the Microsoft C runtime splits a command line (backslashes only escape before a quote). */
export function windowsQuote(arg: string): string {
  if (arg !== '' && !/[\s"]/.test(arg)) return arg;
  return `"${arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

/**
 * The task's program and arguments. A task can't set environment variables, so a
 * command that needs some (Electron run as Node) goes through cmd.exe's `set`.
 */
export function windowsAction(spec: ServiceSpec): { command: string; args: string } {
  const line = [spec.command, ...spec.args].map(windowsQuote).join(' ');
  const env = Object.entries(spec.env);
  if (env.length === 0) return { command: spec.command, args: spec.args.map(windowsQuote).join(' ') };
  const sets = env.map(([k, v]) => `set "${k}=${v}"`).join(' && ');
  return { command: 'cmd.exe', args: `/d /s /c "${sets} && ${line}"` };
}

/**
 * A per-user task that runs at the user's logon, as that user, without elevation. XML
 * rather than `schtasks /Create /SC ONLOGON` flags: only the XML can lift the default
 * 72-hour run limit (the supervisor runs for as long as the session) and ask for
 * restarts on failure. schtasks reads it as UTF-16 (see `encodeWindowsTask`).
 */
export function windowsTaskXml(spec: ServiceSpec, userId: string): string {
  refuseControlCharacters([spec.home, spec.command, ...spec.args, userId, ...Object.entries(spec.env).flat()]);
  const action = windowsAction(spec);
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    '  <RegistrationInfo>',
    `    <Description>Anima supervisor for ${xmlEscape(spec.home)} (animactl service install)</Description>`,
    '  </RegistrationInfo>',
    '  <Triggers>',
    '    <LogonTrigger>',
    '      <Enabled>true</Enabled>',
    `      <UserId>${xmlEscape(userId)}</UserId>`,
    '    </LogonTrigger>',
    '  </Triggers>',
    '  <Principals>',
    '    <Principal id="Author">',
    `      <UserId>${xmlEscape(userId)}</UserId>`,
    '      <LogonType>InteractiveToken</LogonType>',
    '      <RunLevel>LeastPrivilege</RunLevel>',
    '    </Principal>',
    '  </Principals>',
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>',
    '    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>',
    '    <RestartOnFailure>',
    '      <Interval>PT1M</Interval>',
    '      <Count>5</Count>',
    '    </RestartOnFailure>',
    '    <Hidden>true</Hidden>',
    '  </Settings>',
    '  <Actions Context="Author">',
    '    <Exec>',
    `      <Command>${xmlEscape(action.command)}</Command>`,
    `      <Arguments>${xmlEscape(action.args)}</Arguments>`,
    `      <WorkingDirectory>${xmlEscape(spec.home)}</WorkingDirectory>`,
    '    </Exec>',
    '  </Actions>',
    '</Task>',
    '',
  ].join('\r\n');
}

/** schtasks /XML wants UTF-16 with a byte order mark, as the encoding declaration says. */
export function encodeWindowsTask(xml: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
}
