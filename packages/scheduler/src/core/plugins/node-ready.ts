import { fail, PASS, type FilterPlugin } from '../framework.js';

/** A node whose agent stopped heartbeating cannot start pods (and the fold rejects binding to it). */
export const nodeReady: FilterPlugin = {
  name: 'node-ready',
  filter: (_pod, node) => (node.status.ready ? PASS : fail('not ready')),
  prepare(_pod, { table }) {
    return (i) => table.ready[i] === 1;
  },
};
