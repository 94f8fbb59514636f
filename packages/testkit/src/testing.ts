export { makeTempDir } from './temp-dir.js';
export { createFakeClock, type FakeClock } from './fake-clock.js';
export { eventually } from './eventually.js';
export { waitFor, WaitTimeoutError, type WaitForOptions } from './wait-for.js';
