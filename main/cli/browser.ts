import { spawn } from 'node:child_process';

/** Whether a browser could show anything: never over plain SSH or in CI. */
export function hasDisplay(env: NodeJS.ProcessEnv): boolean {
  if (process.platform === 'darwin' || process.platform === 'win32') return true;
  return !!(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** Never through a shell (`cmd /c start` would run what follows an `&` in the URL): the opener gets the URL as one argument. */
export function openBrowser(url: string): void {
  const [cmd, args]: [string, string[]] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['explorer.exe', [url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
  // A missing opener is no failure: the URL is printed anyway.
  child.on('error', () => {});
  child.unref();
}
