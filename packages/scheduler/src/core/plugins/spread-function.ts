import type { ScorePlugin } from '../framework.js';

/** Fewer pods of the same function on a node scores higher, so one node's loss takes few of them. */
export const spreadFunction: ScorePlugin = {
  name: 'spread-function',
  score: (pod, node, ctx) => -ctx.functionPodsOn(node.metadata.name, pod),
  prepare(pod, snapshot) {
    const counts = snapshot.functionPodsByIndex(pod);
    return (i) => -counts[i]!;
  },
};
