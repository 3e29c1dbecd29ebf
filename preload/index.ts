// The only bridge between the status window and the main process. Sandboxed: it can
// require only `electron`, so scripts/build.mjs bundles the contract into this file.
// `window.anima` is generated from the contract's method and event lists, so it can't
// drift from what main registers.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_NAMES, INVOKE_METHODS, eventChannel, invokeChannel, type EventName } from '../main/shared/ipc-contract';

const api: Record<string, unknown> = {};
for (const m of INVOKE_METHODS) {
  // One argument at most, and never the raw ipcRenderer (it would hand the page every channel).
  api[m] = (arg?: unknown) => ipcRenderer.invoke(invokeChannel(m), arg);
}
api.on = (event: EventName, listener: (payload: unknown) => void) => {
  if (!EVENT_NAMES.includes(event)) throw new Error(`Unknown Anima event "${String(event)}"`);
  if (typeof listener !== 'function') throw new Error('listener must be a function');
  const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
  ipcRenderer.on(eventChannel(event), wrapped);
  return () => ipcRenderer.removeListener(eventChannel(event), wrapped);
};

contextBridge.exposeInMainWorld('anima', Object.freeze(api));
