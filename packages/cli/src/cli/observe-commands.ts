import { CliError, createApiClient } from '../api-client.js';
import type { CommandSpec } from './command-spec.js';
import { abortedOnInterrupt } from './interrupt.js';

/** Commands that show how functions are doing and why: top, explain. */

export const topCommand: CommandSpec = {
  name: 'top',
  summary: 'a live view of functions (rps, p50/p99, errors, in flight, replicas, cold starts) or of nodes, refreshed every second',
  args: [{ name: 'what', choices: ['functions', 'nodes'] }],
  flags: {
    'all-namespaces': { type: 'boolean', short: 'A', help: 'functions of every namespace you may list (a NAMESPACE column first)' },
    once: { type: 'boolean', help: 'print one snapshot and exit (what it does anyway when stdout is not a terminal)' },
  },
  examples: [
    ['tide top', "the namespace's functions, redrawn every second until Ctrl-C"],
    ['tide top -A --once', 'one snapshot of every namespace'],
    ['tide top nodes', 'pods, CPU and memory requested against capacity, and CPU used, per node'],
  ],
  details:
    'The figures come from the control plane, which sums what every gateway reported in the last seconds (so a cluster with several gateways shows its whole load): RPS, P50, P99 and ERR/S (answers 5xx or none) over the last 5 s; IN-FLIGHT now; REPLICAS ready/desired; COLD, calls that waited for a pod to start in the last 60 s.',
  async run({ args, flags, server, credential, namespace, print }) {
    const { runTop } = await import('../commands/top.js');
    await runTop(createApiClient(server, credential), {
      what: args[0] === 'nodes' ? 'nodes' : 'functions',
      namespace,
      allNamespaces: flags['all-namespaces'] === true,
      once: flags.once === true || !process.stdout.isTTY,
      refreshMs: 1000,
      write: (text) => process.stdout.write(text),
      print,
      signal: abortedOnInterrupt(['SIGINT', 'SIGTERM']),
      now: () => new Date(),
    });
  },
};

export const explainCommand: CommandSpec = {
  name: 'explain',
  summary: 'why a pod is as it is: the chain of events from the scale decision that asked for it to now, each with its reason',
  args: [
    { name: 'type', required: true, choices: ['pod'] },
    { name: 'name', required: true },
  ],
  flags: {},
  examples: [['tide explain pod hello-00001-b5fkq', 'scaled 0 → 1 (why), created, bound to node (scores), started (warm pool or spawn), ready']],
  details:
    "The chain is read from the state log: the decision that asked for the pod (a scale decision with the autoscaler's reason, or a deploy), then the pod's own events (bound to which node by which scheduler scores, started from the warm pool or by a spawn, ready, exited, deleted), each with its time, its author and its reason. A pod already removed is told from its events while the log still holds them. `tide get pods --function NAME` names the pods.",
  async run({ args, server, credential, namespace, print }) {
    const name = args[1]!;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 253)
      throw new CliError(`"${name.slice(0, 80)}" is not a pod name (lower-case letters, digits and -, as tide get pods shows them)`, 2);
    const { explainPod } = await import('../commands/explain.js');
    print(await explainPod(createApiClient(server, credential), namespace, name));
  },
};
