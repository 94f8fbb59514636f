import { resolve } from 'node:path';
import { CliError, createApiClient } from '../api-client.js';
import type { GetOutput } from '../commands/get.js';
import { pluralOf } from '../paths.js';
import type { CommandSpec } from './command-spec.js';
import { functionName, int, optionalInt } from './flag-values.js';
import { list, str } from './process-commands.js';
import { abortedOnInterrupt } from './interrupt.js';

/** Commands that read or change cluster objects: get, describe, delete, apply, nodes, events. */

const OUTPUTS: readonly GetOutput[] = ['table', 'json', 'yaml', 'name', 'wide'];

export const getCommand: CommandSpec = {
  name: 'get',
  summary: 'list objects of a type, or show one (functions, triggers, secrets, pods, revisions, namespaces, nodes)',
  args: [{ name: 'type', required: true }, { name: 'name' }],
  flags: {
    output: { type: 'string', short: 'o', value: 'json|yaml|name|wide', help: 'print the objects as JSON or YAML, as TYPE/NAME lines, or with more columns' },
    selector: { type: 'string', short: 'l', value: 'KEY=VALUE,...', help: 'only objects whose labels match (k=v, k!=v, k, !k; all must hold)' },
    'all-namespaces': { type: 'boolean', short: 'A', help: 'list across every namespace (a NAMESPACE column first)' },
    function: { type: 'string', value: 'NAME', help: "pods or revisions: only this function's (as -l tide.dev/function=NAME)" },
    watch: { type: 'boolean', short: 'w', help: 'after the list, print a row for each object that changes, until interrupted' },
  },
  examples: [
    ['tide get functions', 'NAME REVISION READY DESIRED SCALE STATUS AGE'],
    ['tide get pods --function hello -o wide', "hello's pods, with node, endpoint and reason"],
    ['tide get functions -l team=web', 'only the functions labelled team=web'],
    ['tide get functions -A', 'in every namespace'],
    ['tide get functions -o name', 'function/hello lines, for scripts'],
    ['tide get function/hello -o yaml > hello.yaml', 'one function as YAML, ready for tide apply -f'],
    ['tide get pods -w', 'pods, then each change as it happens'],
    ['tide get triggers', 'NAME TYPE FUNCTION SOURCE (topics or schedule) LAST-FIRED AGE'],
    ['tide get secrets', 'NAME TYPE DATA AGE: how many keys, never their values'],
  ],
  async run({ flags, args, server, credential, namespace, print }) {
    const given = str(flags.output);
    if (given !== undefined && (given === 'table' || !OUTPUTS.includes(given as GetOutput)))
      throw new CliError(`-o must be json, yaml, name or wide, got "${given}"`, 2);
    const output = (given ?? 'table') as GetOutput;
    const [type, name] = typeAndName(args, 'tide get <type> [name]');
    const selector = selectorOf(pluralOf(type), str(flags.selector), str(flags.function));
    const options = {
      resource: type,
      ...(name ? { name } : {}),
      namespace,
      output,
      ...(selector ? { selector } : {}),
      allNamespaces: flags['all-namespaces'] === true,
    };
    if (flags.watch === true) {
      if (output === 'json' || output === 'yaml') throw new CliError('-w prints rows: use it with -o wide or -o name, not -o json|yaml', 2);
      const { watchList } = await import('../commands/get-watch.js');
      const signal = abortedOnInterrupt(['SIGINT', 'SIGTERM']);
      return watchList(createApiClient(server, credential), { ...options, output, print, signal });
    }
    const { get } = await import('../commands/get.js');
    print(await get(createApiClient(server, credential), options));
  },
};

/** -l and --function together: a pod's or revision's function is its tide.dev/function label. */
function selectorOf(plural: string, selector: string | undefined, fn: string | undefined): string | undefined {
  if (fn === undefined) return selector;
  if (plural !== 'pods' && plural !== 'revisions') throw new CliError(`--function selects pods or revisions, not ${plural}`, 2);
  return [selector, `tide.dev/function=${functionName(fn, 'tide get pods --function <NAME>')}`].filter(Boolean).join(',');
}

export const describeCommand: CommandSpec = {
  name: 'describe',
  summary: 'a function in full (pods, failures, every scale decision and why), or a trigger (spec, firings, its function)',
  args: [{ name: 'type', required: true }, { name: 'name' }],
  flags: {},
  examples: [
    ['tide describe function hello', 'or function/hello'],
    ['tide describe trigger nightly', 'its schedule or topics, ticks fired and skipped, and whether its function exists'],
    ['tide describe secret db', 'its keys and their sizes in bytes (never the values)'],
  ],
  async run({ args, server, credential, namespace, print }) {
    const usage = 'tide describe function|trigger|secret <NAME>';
    const [type, named] = typeAndName(args, usage);
    if (['secret', 'secrets'].includes(type.toLowerCase())) {
      if (!named) throw new CliError(`name the secret\nUsage: ${usage}`, 2);
      const { describeSecret } = await import('../commands/secrets.js');
      return print(await describeSecret(createApiClient(server, credential), namespace, named));
    }
    if (['trigger', 'triggers'].includes(type.toLowerCase())) {
      if (!named) throw new CliError(`name the trigger\nUsage: ${usage}`, 2);
      const { describeTrigger } = await import('../commands/describe-trigger.js');
      return print(await describeTrigger(createApiClient(server, credential), namespace, named));
    }
    const name = functionArg(args, usage);
    const { describeFunction } = await import('../commands/describe.js');
    print(await describeFunction(createApiClient(server, credential), namespace, name));
  },
};

export const deleteCommand: CommandSpec = {
  name: 'delete',
  summary: 'delete a function (with its revisions and pods), a trigger, a namespace (with everything in it) or a gone node',
  args: [{ name: 'type', required: true }, { name: 'name' }],
  flags: {},
  examples: [
    ['tide delete function hello', 'or function/hello'],
    ['tide delete trigger nightly', 'the function stays; it is no longer called on that schedule or topic'],
    ['tide delete secret db', 'pods already running keep its values; new ones wait until it exists again'],
    ['tide delete namespace team-a', 'and every function in it, as Kubernetes deletes a namespace'],
    ['tide delete node node-2', 'a node whose agent is gone (NotReady); its pods are made again elsewhere'],
  ],
  async run({ args, server, credential, namespace, print }) {
    const usage = 'tide delete function|trigger|secret|namespace|node <NAME>';
    const [type, name] = typeAndName(args, usage);
    const plural = pluralOf(type);
    if (plural !== 'functions' && plural !== 'triggers' && plural !== 'secrets' && plural !== 'namespaces' && plural !== 'nodes')
      throw new CliError(`only functions, triggers, secrets, namespaces and nodes can be deleted, not "${type}"\nUsage: ${usage}`, 2);
    if (!name) throw new CliError(`name the ${plural.slice(0, -1)}\nUsage: ${usage}`, 2);
    const { deleteObject } = await import('../commands/delete.js');
    print(await deleteObject(createApiClient(server, credential), plural, namespace, plural === 'functions' ? functionName(name, usage) : name));
  },
};

export const createCommand: CommandSpec = {
  name: 'create',
  summary: 'create a namespace, or a secret (its values sealed before they are stored; never shown again)',
  args: [
    { name: 'type', required: true, choices: ['namespace', 'ns', 'secret'] },
    { name: 'name', required: true },
  ],
  flags: {
    'from-literal': { type: 'string', multiple: true, value: 'KEY=VALUE', help: 'secret: a key and its value (repeatable)' },
    'from-file': { type: 'string', multiple: true, value: 'KEY=PATH', help: "secret: a key whose value is the file's content (repeatable)" },
    'from-env-file': { type: 'string', multiple: true, value: 'FILE', help: 'secret: KEY=VALUE lines of a file (repeatable)' },
    type: { type: 'string', value: 'TYPE', help: 'secret: what it is for (default Opaque)' },
  },
  examples: [
    ['tide create namespace team-a', 'then deploy into it with -n team-a'],
    ['tide create secret db --from-literal PASSWORD=s3cret --from-file CERT=./ca.pem', 'a function with envFrom: [{secretRef: db}] sees env.PASSWORD'],
  ],
  async run({ args, flags, server, credential, namespace, print }) {
    if (args[0] === 'secret') {
      const { createSecret, secretData } = await import('../commands/secrets.js');
      const data = await secretData({
        literals: list(flags['from-literal']) ?? [],
        files: list(flags['from-file']) ?? [],
        envFiles: list(flags['from-env-file']) ?? [],
      });
      return print(await createSecret(createApiClient(server, credential), namespace, args[1]!, data, str(flags.type)));
    }
    const { createNamespace } = await import('../commands/delete.js');
    print(await createNamespace(createApiClient(server, credential), args[1]!));
  },
};

export const scaleCommand: CommandSpec = {
  name: 'scale',
  summary: "set a function's replica bounds (no new revision)",
  args: [{ name: 'function', required: true }],
  flags: {
    min: { type: 'string', value: 'N', help: 'replicas at least (0: scale to zero when idle)' },
    max: { type: 'string', value: 'N', help: 'replicas at most' },
    replicas: { type: 'string', value: 'N', help: 'exactly N replicas (min = max = N), as kubectl scale --replicas' },
  },
  examples: [
    ['tide scale function/hello --min 2 --max 10', 'keep 2 to 10 pods'],
    ['tide scale hello --replicas 3', 'exactly 3 pods'],
  ],
  async run({ flags, args, server, credential, namespace, print }) {
    const usage = 'tide scale function/<NAME> --min N --max M';
    const replicas = optionalInt('replicas', str(flags.replicas));
    const min = replicas ?? optionalInt('min', str(flags.min));
    const max = replicas ?? optionalInt('max', str(flags.max));
    if (replicas !== undefined && (flags.min !== undefined || flags.max !== undefined)) throw new CliError('give --replicas or --min/--max, not both', 2);
    if (min === undefined && max === undefined) throw new CliError(`tide scale needs --min, --max or --replicas\nUsage: ${usage}`, 2);
    const { scaleFunction } = await import('../commands/scale.js');
    print(
      await scaleFunction(createApiClient(server, credential), namespace, functionName(args[0], usage), {
        ...(min === undefined ? {} : { min }),
        ...(max === undefined ? {} : { max }),
      }),
    );
  },
};

export const applyCommand: CommandSpec = {
  name: 'apply',
  summary: 'apply every manifest of a YAML or JSON file (- for stdin)',
  args: [],
  flags: { file: { type: 'string', short: 'f', value: 'FILE', help: 'the manifests (YAML or JSON; - reads stdin)' } },
  examples: [
    ['tide apply -f hello.yaml', 'create or update what the file describes'],
    ['tide get function hello -o yaml | tide apply -f -', 'round-trip through stdin'],
    ['tide apply -f nightly.yaml', 'a Trigger (kind: Trigger, spec.cron or spec.kafka); several kinds may share one file, split by ---'],
  ],
  async run({ flags, server, credential, namespace, print }) {
    const file = str(flags.file);
    if (!file) throw new CliError('tide apply needs -f <file> (YAML or JSON; - for stdin)', 2);
    const { applyFile } = await import('../commands/apply.js');
    for (const line of await applyFile(createApiClient(server, credential), file, namespace)) print(line);
  },
};

const nodeAction = (name: 'cordon' | 'uncordon' | 'drain', summary: string): CommandSpec => ({
  name,
  summary,
  args: [{ name: 'node', required: true }],
  flags: {},
  examples: [[`tide ${name} node-2`, summary]],
  async run({ args, server, credential, print }) {
    const node = args[0]!.replace(/^nodes?\//, '');
    const result = await createApiClient(server, credential).ok<{ evicted?: number }>('POST', `/apis/tide.dev/v1/nodes/${encodeURIComponent(node)}/${name}`);
    print(name === 'drain' ? `node/${node} cordoned and drained: ${result.evicted ?? 0} pods asked to stop` : `node/${node} ${name}ed`);
  },
});

export const cordonCommand = nodeAction('cordon', 'schedule no new pods on a node');
export const uncordonCommand = nodeAction('uncordon', 'schedule pods on a node again');
export const drainCommand = nodeAction('drain', 'cordon a node, then move its pods elsewhere');

export const eventsCommand: CommandSpec = {
  name: 'events',
  summary: 'the state log: every change to the cluster, history first, then as it happens',
  args: [],
  flags: { from: { type: 'string', value: 'OFFSET', help: 'start at this log offset (default: the oldest the log holds)' } },
  examples: [
    ['tide events', 'OFFSET TIME TYPE OBJECT VERDICT: the whole history, then new events (Ctrl-C ends)'],
    ['tide events --from 120', 'from offset 120 on'],
  ],
  async run({ flags, server, credential, print }) {
    const { followEvents } = await import('../commands/events.js');
    const signal = abortedOnInterrupt();
    const from = str(flags.from);
    await followEvents(createApiClient(server, credential), { ...(from === undefined ? {} : { from: int('from', from, 0) }), print, signal });
  },
};

export const logRepairCommand: CommandSpec = {
  name: 'log',
  summary: 'tide log repair: truncate the embedded log at its first corrupt record',
  args: [{ name: 'action', required: true, choices: ['repair'] }],
  flags: { data: { type: 'string', value: 'DIR', help: 'data directory (default ./.tide; TIDE_DATA)' } },
  examples: [['tide log repair --data ./.tide', 'cut the log where `tide up` said it is damaged']],
  async run({ flags, env, print }) {
    const { repairStateLog } = await import('../commands/repair.js');
    print(await repairStateLog(resolve(str(flags.data) ?? env.TIDE_DATA ?? '.tide')));
  },
};

/** `TYPE NAME` or kubectl's `TYPE/NAME`. */
function typeAndName(args: readonly string[], usage: string): [string, string | undefined] {
  const [first, second] = args;
  if (first?.includes('/')) {
    if (second !== undefined) throw new CliError(`give either TYPE/NAME or TYPE NAME, not both: unexpected "${second}"\nUsage: ${usage}`, 2);
    const [type, name, ...rest] = first.split('/');
    if (!type || !name || rest.length) throw new CliError(`"${first}" must look like TYPE/NAME\nUsage: ${usage}`, 2);
    return [type, name];
  }
  return [first!, second];
}

/** The function named by `function NAME` or `function/NAME`. */
function functionArg(args: readonly string[], usage: string): string {
  const [type, name] = typeAndName(args, usage);
  if (!['function', 'functions', 'fn'].includes(type)) throw new CliError(`only functions and triggers can be described, not "${type}"\nUsage: ${usage}`, 2);
  return functionName(name, usage);
}
