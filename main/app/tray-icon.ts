import { join } from 'node:path';
import type { AppState } from '../shared/ipc-contract';

export type TrayIconState = 'running' | 'stopped' | 'attention';
export const TRAY_ICON_STATES: TrayIconState[] = ['running', 'stopped', 'attention'];

/** attention: a crash, an update waiting, or an upgrade under way; running: the web service answers. */
export function trayIconState(state: AppState): TrayIconState {
  const st = state.status;
  const op = st?.operation?.kind ?? state.busy ?? '';
  if (op.startsWith('upgrade')) return 'attention';
  if (st && (st.services.web.state === 'crashed' || st.services.agent.state === 'crashed')) return 'attention';
  if (st?.update?.available && !st.update.skipped) return 'attention';
  if (st && st.services.web.state === 'running') return 'running';
  return 'stopped';
}

/**
 * The icon file for a state and platform, under resources/tray/ (scripts/make-icons.mjs):
 * macOS template images (black + alpha, `…Template.png`, @2x beside it, picked up by
 * Electron), a Windows .ico, and a Linux PNG (22 px, @2x = 44 px beside it).
 */
export function trayIconFile(resourcesDir: string, icon: TrayIconState, platform: NodeJS.Platform): string {
  if (platform === 'darwin') return join(resourcesDir, 'tray', 'mac', `${icon}Template.png`);
  if (platform === 'win32') return join(resourcesDir, 'tray', 'win', `${icon}.ico`);
  return join(resourcesDir, 'tray', 'linux', `${icon}.png`);
}
