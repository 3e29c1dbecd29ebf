// The only bridge between the status window and the main process. Sandboxed: it can
// require only `electron`, so scripts/build.mjs bundles the contract into this file.
// `window.anima` is generated from the contract's method and event lists, so it can't
// drift from what main registers.
import { INVOKE_METHODS } from '../main/shared/ipc-contract';
import { exposeApi } from './expose';

exposeApi('anima', INVOKE_METHODS);
