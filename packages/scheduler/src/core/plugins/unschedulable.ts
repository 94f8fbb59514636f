import { fail, PASS, type FilterPlugin } from '../framework.js';

/** A cordoned node (`tide cordon`) keeps its pods but takes no new ones. */
export const unschedulable: FilterPlugin = {
  name: 'unschedulable',
  filter: (_pod, node) => (node.spec.unschedulable ? fail('cordoned') : PASS),
  prepare(_pod, { table }) {
    return (i) => table.cordoned[i] === 0;
  },
};
