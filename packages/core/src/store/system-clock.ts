import type { Clock } from './ports.js';

/** The machine's clock and Node's timers: what every shell uses unless a test gives its own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
