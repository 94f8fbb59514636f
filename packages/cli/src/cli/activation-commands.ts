import { CliError, createApiClient } from '../api-client.js';
import { render } from '../format.js';
import type { CommandSpec } from './command-spec.js';
import { functionName, int } from './flag-values.js';
import { str } from './process-commands.js';

/** Commands about async calls' activations (`tide invoke --async` makes them). */

export const activationsCommand: CommandSpec = {
  name: 'activations',
  summary: "list async calls' activations, newest first (kept 24 h, the newest 2000 per namespace)",
  args: [{ name: 'function' }],
  flags: {
    limit: { type: 'string', value: 'N', help: 'at most N activations (default 50, at most 1000)' },
  },
  examples: [
    ['tide activations', "the namespace's latest activations: ID, FUNCTION, STATUS, ATTEMPTS, DURATION, AGE"],
    ['tide activations hello --limit 10', "hello's 10 latest"],
  ],
  async run({ flags, args, server, credential, namespace, print }) {
    const { activationsTable, listActivations } = await import('../commands/activations.js');
    const fn = args[0] === undefined ? undefined : functionName(args[0], 'tide activations [function]');
    const limit = int('limit', str(flags.limit), 50);
    if (limit < 1 || limit > 1000) throw new CliError(`--limit must be from 1 to 1000, got ${limit}`, 2);
    print(activationsTable(await listActivations(createApiClient(server, credential), namespace, fn, limit)));
  },
};

export const activationCommand: CommandSpec = {
  name: 'activation',
  summary: 'show one activation of an async call: status, attempts, result or error',
  args: [
    { name: 'action', required: true, choices: ['get'] },
    { name: 'id', required: true },
  ],
  flags: {
    output: { type: 'string', short: 'o', value: 'json|yaml', help: 'print the activation as JSON or YAML' },
  },
  examples: [
    ['tide activation get 0b6c6f5e-1c0e-4a39-9a4e-8a3f4f6d2c11', 'its status, attempts, result (or error) and callback'],
    ['tide activation get 0b6c6f5e-1c0e-4a39-9a4e-8a3f4f6d2c11 -o json', 'the whole record as JSON'],
  ],
  async run({ flags, args, server, credential, namespace, print }) {
    const { describeActivation, getActivation } = await import('../commands/activations.js');
    const output = str(flags.output);
    if (output !== undefined && output !== 'json' && output !== 'yaml') throw new CliError(`-o must be json or yaml, got "${output}"`, 2);
    const activation = await getActivation(createApiClient(server, credential), namespace, args[1] as string);
    print(output === undefined ? describeActivation(activation) : render(activation, output));
  },
};
