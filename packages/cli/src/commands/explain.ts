import type { ApiClient } from '../api-client.js';
import { table } from '../format.js';
import { functionPath } from '../paths.js';

/** One link of a pod's chain, as the control plane tells it (control-plane core/pod-chain.ts). */
export interface ChainStepView {
  offset: number;
  time: string;
  by?: string;
  what: string;
  why: string;
}

interface PodExplanation {
  namespace: string;
  name: string;
  phase: string;
  node?: string;
  steps: ChainStepView[];
}

/**
 * The chain as a table, oldest first: the time each step happened with the time since the first
 * (so a cold start's cost reads off the last column), what happened, who did it and why.
 */
export function chainTable(steps: readonly ChainStepView[]): string {
  if (steps.length === 0) return '(no events left in the log)';
  const first = Date.parse(steps[0]!.time);
  return table(
    ['OFFSET', 'TIME', 'AFTER', 'WHAT', 'BY', 'WHY'],
    steps.map((s) => [String(s.offset), s.time.slice(11, 23), `+${((Date.parse(s.time) - first) / 1000).toFixed(3)}s`, s.what, s.by ?? '-', s.why]),
  );
}

/** `tide explain pod <name>`: why the pod is as it is, from the decision that asked for it to now. */
export async function explainPod(api: ApiClient, namespace: string, name: string): Promise<string> {
  const path = `/apis/tide.dev/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/explain`;
  const pod = await api.ok<PodExplanation>('GET', path);
  const where = pod.node ? ` on node ${pod.node}` : '';
  return `Pod ${pod.namespace}/${pod.name}: ${pod.phase}${where}\n\n${chainTable(pod.steps)}`;
}

/** The chains of a function's newest pods, for `tide describe function`. */
export async function functionPodChains(api: ApiClient, namespace: string, name: string): Promise<string[]> {
  const explained = await api.ok<{ pods: PodExplanation[] }>('GET', `${functionPath(namespace, name)}/explain`);
  return explained.pods.map((pod) => `${pod.name} (${pod.phase}${pod.node ? ` on ${pod.node}` : ''}):\n${chainTable(pod.steps)}`);
}
