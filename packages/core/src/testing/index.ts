export { DIGEST_A, DIGEST_B, functionManifest, foldAll } from './builders.js';
