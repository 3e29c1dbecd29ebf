import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_NAMES, eventChannel, invokeChannel, type EventName, type InvokeMethod } from '../main/shared/ipc-contract';

/**
 * Exposes `window[name]`: one function per method given (one argument at most) and `on` for
 * the contract's events. Never the raw ipcRenderer: it would hand the page every channel.
 */
export function exposeApi(name: string, methods: readonly InvokeMethod[]): void {
  const api: Record<string, unknown> = {};
  for (const m of methods) api[m] = (arg?: unknown) => ipcRenderer.invoke(invokeChannel(m), arg);
  api.on = (event: EventName, listener: (payload: unknown) => void) => {
    if (!EVENT_NAMES.includes(event)) throw new Error(`Unknown Anima event "${String(event)}"`);
    if (typeof listener !== 'function') throw new Error('listener must be a function');
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(eventChannel(event), wrapped);
    return () => ipcRenderer.removeListener(eventChannel(event), wrapped);
  };
  contextBridge.exposeInMainWorld(name, Object.freeze(api));
}
