// The bridge of the dashboard window's update bar, and of nothing else: the few methods of
// BAR_METHODS as `window.animaBar`. Sandboxed and bundled like the status window's preload;
// main refuses this page every other method, whatever it sends.
import { BAR_METHODS } from '../main/shared/ipc-contract';
import { exposeApi } from './expose';

exposeApi('animaBar', BAR_METHODS);
