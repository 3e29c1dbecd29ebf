import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { INVOKE_METHODS, invokeChannel, type InvokeMethod } from '../../shared/ipc-contract';
import type { Handlers } from '../ipc-handlers';
import { log } from './app-log';

/**
 * One ipcMain.handle per method of the contract. The sender is checked before anything
 * else (the handlers then validate the argument): only our own pages may ask, each for what
 * it may do (main.ts decides: the status window everything, the dashboard's bar BAR_METHODS).
 */
export function registerIpc(handlers: Handlers, trusted: (event: IpcMainInvokeEvent, method: InvokeMethod, arg: unknown) => boolean): void {
  for (const m of INVOKE_METHODS) {
    ipcMain.handle(invokeChannel(m), (event, arg: unknown) => {
      if (!trusted(event, m, arg)) {
        log.warn(`rejected IPC ${m} from ${event.senderFrame?.url ?? 'a frame that is gone'}`);
        throw new Error('Rejected: this request did not come from the Anima Desktop window');
      }
      return handlers[m](arg);
    });
  }
}
