import { app } from 'electron';
import log from 'electron-log/main';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export { log };

/** electron-log into <home>/logs/manager.log, beside the supervisor's and the services' logs. */
export function setupLogging(home: string): void {
  mkdirSync(join(home, 'logs'), { recursive: true });
  const file = join(home, 'logs', 'manager.log');
  log.transports.file.resolvePathFn = () => file;
  log.transports.file.maxSize = 5 * 1024 * 1024;
  log.info(`Anima Desktop ${app.getVersion()} starting for ${home} (pid ${process.pid})`);
}
