import { eventLogContract } from './testing.js';
import { createMemoryLog } from './memory-log.js';

eventLogContract('in-memory (for tests of the port consumers)', async () => ({ log: createMemoryLog(), cleanup: async () => {} }));
