import { randomUUID } from 'node:crypto';
import {
  encodeEvent,
  encodeLease,
  keyOf,
  LEASES_TOPIC,
  openStateStore,
  STATE_TOPIC,
  type EventEnvelope,
  type EventInput,
  type LoggedEvent,
  type Verdict,
} from '@tide/core';
import { openHttpLog, type EventLog } from '@tide/log';
import { request } from 'undici';
import { simulatedNodeName } from './history.js';

/**
 * Nodes without pods: each joins the cluster with the bootstrap token and holds its own
 * credential (POST /nodes/{name}/join), registers itself, renews its lease every 2 s and reports
 * the pods bound to it Starting then Ready, and removed once their deletion is asked, through the
 * control plane's log API as a real agent does (the server stamps each append with the node's
 * identity and the fold judges it: a node may report only pods bound to it). No process runs:
 * a pod's endpoint answers nothing, so these pods are for the control plane's load, not for calls.
 *
 * One difference from real agents, said plainly: the fleet folds the state stream once for all
 * its nodes (one tailing read, as node sim-000) instead of once per node, so the control plane
 * serves one reader, not a hundred, and this machine's two cores are not spent on a hundred folds.
 */
export interface SimulatedFleet {
  nodes: readonly string[];
  /** Pods of the fleet's nodes the fold holds Ready. */
  readyPods(): number;
  /** Functions (namespace/name) that have had a pod Ready on the fleet, counted once each. */
  functionsSeenReady(): number;
  /** Pods in the state, any phase, bound or not. */
  podCount(): number;
  /** Records of the state stream folded so far. */
  logEvents(): number;
  /** Appends of the fleet the fold refused (should stay 0: each is a right the node has). */
  refused(): readonly string[];
  stop(): Promise<void>;
}

const LEASE_EVERY_MS = 2_000;

interface SimulatedNode {
  name: string;
  bootId: string;
  log: EventLog;
}

export async function startSimulatedFleet(options: {
  url: string;
  bootstrapToken: string;
  nodes: number;
  onError: (error: Error) => void;
}): Promise<SimulatedFleet> {
  const names = Array.from({ length: options.nodes }, (_, i) => simulatedNodeName(i));
  const nodes = new Map<string, SimulatedNode>();
  for (const name of names) {
    const token = await join(options.url, name, options.bootstrapToken);
    nodes.set(name, { name, bootId: randomUUID(), log: openHttpLog(options.url, { token }) });
  }
  // The fleet's one tailing read of the state stream, with the first node's credential.
  const store = await openStateStore({ log: nodes.get(names[0]!)!.log, onError: options.onError });
  const refused: string[] = [];
  const ready = new Set<string>();
  const seenReady = new Set<string>();
  let stopped = false;

  /** As the state store appends: the node's event in an envelope, read back and judged by the fold. */
  const append = async (node: SimulatedNode, event: EventInput): Promise<Verdict | undefined> => {
    if (stopped) return undefined;
    const envelope = { ...event, id: randomUUID(), time: new Date().toISOString() } as EventEnvelope;
    const [offset] = await node.log.append(STATE_TOPIC, [{ value: encodeEvent(envelope) }]);
    const verdict = await store.waitFor(offset!);
    if (!verdict.accepted) refused.push(`${node.name} ${event.type}: ${verdict.reason}`);
    return verdict;
  };
  const report = (node: SimulatedNode, event: EventInput) => append(node, event).catch((error: Error) => !stopped && options.onError(error));

  // Reports follow what the fold decides: a pod bound here starts (Starting, then Ready), a pod whose deletion is asked goes.
  const onEvent = (event: LoggedEvent | undefined, verdict: Verdict) => {
    if (!event || !verdict.accepted || stopped) return;
    if (event.type === 'PodBound') {
      const node = nodes.get(event.data.node);
      if (!node) return;
      const { namespace, name } = event.data;
      const status = { namespace, name, node: node.name, bootId: node.bootId, restartCount: 0 };
      void (async () => {
        await report(node, { type: 'PodStatusReported', data: { ...status, phase: 'Starting', coldStart: 'pool' } });
        await report(node, { type: 'PodStatusReported', data: { ...status, phase: 'Ready', endpoint: 'http://127.0.0.1:9', startMs: 0 } });
      })();
    } else if (event.type === 'PodStatusReported' && nodes.has(event.data.node)) {
      const key = keyOf(event.data.namespace, event.data.name);
      if (event.data.phase === 'Ready') {
        ready.add(key);
        const fn = store.state().pods.get(key)?.spec.function;
        if (fn) seenReady.add(keyOf(event.data.namespace, fn));
      } else ready.delete(key);
    } else if (event.type === 'PodRemoved') {
      ready.delete(keyOf(event.data.namespace, event.data.name));
    } else if (event.type === 'PodDeletionRequested') {
      const pod = store.state().pods.get(keyOf(event.data.namespace, event.data.name));
      const node = pod?.spec.node ? nodes.get(pod.spec.node) : undefined;
      if (node) {
        ready.delete(keyOf(event.data.namespace, event.data.name));
        void report(node, { type: 'PodRemoved', data: { namespace: event.data.namespace, name: event.data.name, node: node.name } });
      }
    }
  };
  const unsubscribe = store.subscribe(onEvent);

  for (const node of nodes.values()) {
    const verdict = await append(node, {
      type: 'NodeRegistered',
      data: { name: node.name, bootId: node.bootId, address: '127.0.0.1', capacity: { memoryMb: 65_536, cpuMilli: 64_000, pods: 110 }, labels: {}, taints: [] },
    });
    if (!verdict?.accepted) throw new Error(`simulated node ${node.name} could not register: ${verdict?.reason}`);
  }
  // Leases spread over the period, as independent agents' would be.
  const renew = (node: SimulatedNode) =>
    node.log
      .append(LEASES_TOPIC, [{ value: encodeLease({ node: node.name, bootId: node.bootId, at: Date.now() }), key: node.name }])
      .catch((error: Error) => !stopped && options.onError(new Error(`node ${node.name}: renewing its lease failed: ${error.message}`)));
  const timers: NodeJS.Timeout[] = [];
  [...nodes.values()].forEach((node, i) => {
    void renew(node);
    const start = setTimeout(
      () => {
        const every = setInterval(() => void renew(node), LEASE_EVERY_MS);
        timers.push(every);
      },
      Math.floor((i * LEASE_EVERY_MS) / nodes.size),
    );
    timers.push(start);
  });

  return {
    nodes: names,
    readyPods: () => ready.size,
    functionsSeenReady: () => seenReady.size,
    podCount: () => store.state().pods.size,
    logEvents: () => store.state().offset + 1,
    refused: () => refused,
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      unsubscribe();
      await store.close();
      await Promise.allSettled([...nodes.values()].map((node) => node.log.close()));
    },
  };
}

/** `POST /nodes/{name}/join` with the bootstrap token, as node-credential.ts does: the node's own token. */
async function join(url: string, node: string, bootstrapToken: string): Promise<string> {
  const res = await request(`${url}/apis/tide.dev/v1/nodes/${node}/join`, { method: 'POST', headers: { authorization: `Bearer ${bootstrapToken}` } });
  const text = await res.body.text();
  if (res.statusCode !== 201) throw new Error(`simulated node ${node} could not join: ${res.statusCode} ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { token: string }).token;
}
