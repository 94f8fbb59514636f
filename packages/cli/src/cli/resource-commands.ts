import { resolve } from 'node:path';
import { CliError, createApiClient } from '../api-client.js';
import type { OutputFormat } from '../format.js';
import { functionPath } from '../paths.js';
import type { CommandSpec } from './command-spec.js';
import { functionName, int } from './flag-values.js';
import { str } from './process-commands.js';

/** Commands that read or change cluster objects: get, describe, delete, apply, nodes, events. */

const OUTPUTS: readonly OutputFormat[] = ['table', 'json', 'yaml', 'wide'];

export const getCommand: CommandSpec = {
  name: 'get',
  summary: 'list objects of a type, or show one (functions, pods, revisions, namespaces, nodes)',
  args: [
    { name: 'type', required: true },
    { name: 'name' },
  ],
  flags: { output: { type: 'string', short: 'o', value: 'json|yaml|wide', help: 'print the objects as JSON or YAML, or more columns' } },
  examples: [
    ['tide get functions', 'NAME REVISION READY DESIRED SCALE STATUS AGE'],
    ['tide get pods -o wide', 'with node, endpoint and reason'],
    ['tide get function/hello -o yaml', 'one function as YAML'],
  ],
  async run({ flags, args, server, namespace, print }) {
    const output = (str(flags.output) ?? 'table') as OutputFormat;
    if (!OUTPUTS.includes(output)) throw new CliError(`-o must be json, yaml or wide, got "${output}"`, 2);
    const [type, name] = typeAndName(args, 'tide get <type> [name]');
    const { get } = await import('../commands/get.js');
    print(await get(createApiClient(server), { resource: type, ...(name ? { name } : {}), namespace, output }));
  },
};

export const describeCommand: CommandSpec = {
  name: 'describe',
  summary: 'a function in full: pods, failures, every scale decision and why',
  args: [
    { name: 'type', required: true },
    { name: 'name' },
  ],
  flags: {},
  examples: [['tide describe function hello', 'or function/hello']],
  async run({ args, server, namespace, print }) {
    const name = functionArg(args, 'tide describe function <NAME>');
    const { describeFunction } = await import('../commands/describe.js');
    print(await describeFunction(createApiClient(server), namespace, name));
  },
};

export const deleteCommand: CommandSpec = {
  name: 'delete',
  summary: 'delete a function (its revisions and pods go with it)',
  args: [
    { name: 'type', required: true },
    { name: 'name' },
  ],
  flags: {},
  examples: [['tide delete function hello', 'or function/hello']],
  async run({ args, server, namespace, print }) {
    const name = functionArg(args, 'tide delete function <NAME>');
    await createApiClient(server).ok('DELETE', functionPath(namespace, name));
    print(`function/${name} deleted`);
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
  ],
  async run({ flags, server, namespace, print }) {
    const file = str(flags.file);
    if (!file) throw new CliError('tide apply needs -f <file> (YAML or JSON; - for stdin)', 2);
    const { applyFile } = await import('../commands/apply.js');
    for (const line of await applyFile(createApiClient(server), file, namespace)) print(line);
  },
};

const nodeAction = (name: 'cordon' | 'uncordon' | 'drain', summary: string): CommandSpec => ({
  name,
  summary,
  args: [{ name: 'node', required: true }],
  flags: {},
  examples: [[`tide ${name} node-2`, summary]],
  async run({ args, server, print }) {
    const node = args[0]!.replace(/^nodes?\//, '');
    const result = await createApiClient(server).ok<{ evicted?: number }>('POST', `/apis/tide.dev/v1/nodes/${encodeURIComponent(node)}/${name}`);
    print(name === 'drain' ? `node/${node} cordoned and drained: ${result.evicted ?? 0} pods asked to stop` : `node/${node} ${name}ed`);
  },
});

export const cordonCommand = nodeAction('cordon', 'schedule no new pods on a node');
export const uncordonCommand = nodeAction('uncordon', 'schedule pods on a node again');
export const drainCommand = nodeAction('drain', 'cordon a node, then move its pods elsewhere');

export const eventsCommand: CommandSpec = {
  name: 'events',
  summary: 'follow the state log: every change to the cluster, as it happens',
  args: [],
  flags: { from: { type: 'string', value: 'OFFSET', help: 'start at this log offset (default: the beginning)' } },
  examples: [['tide events --from 120', 'from offset 120 on']],
  async run({ flags, server, print }) {
    const { followEvents } = await import('../commands/events.js');
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    const from = str(flags.from);
    await followEvents(server, { ...(from === undefined ? {} : { from: int('from', from, 0) }), print, signal: controller.signal });
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
  if (!['function', 'functions', 'fn'].includes(type)) throw new CliError(`only functions can be named here, not "${type}"\nUsage: ${usage}`, 2);
  return functionName(name, usage);
}
