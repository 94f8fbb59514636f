/**
 * `ws`'s server, loaded on a pod's first WebSocket upgrade only. The build bundles this file with
 * `ws` into one (scripts/bundle-main.mjs), beside main.js: a sandboxed pod sees the runtime's own
 * directory, not the repository's node_modules.
 */
export { WebSocketServer } from 'ws';
