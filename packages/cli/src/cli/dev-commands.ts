import { createApiClient } from '../api-client.js';
import type { CommandSpec } from './command-spec.js';
import { keyValues } from './flag-values.js';
import { list, str } from './process-commands.js';
import { abortedOnInterrupt } from './interrupt.js';

/** Commands for writing a function: init, dev. */

export const initCommand: CommandSpec = {
  name: 'init',
  summary: 'write a new function from a template (hello, hono, typescript) that deploys as it is',
  args: [{ name: 'dir', required: true }],
  flags: {
    template: { type: 'string', short: 't', value: 'hello|hono|typescript', help: 'what to start from (default hello)' },
  },
  examples: [
    ['tide init greeter', 'a plain JavaScript function in ./greeter'],
    ['tide init api --template hono', 'a hono app (then npm install in ./api)'],
  ],
  async run({ flags, args, print }) {
    const { initFunction } = await import('../commands/init.js');
    const result = initFunction(args[0]!, str(flags.template) ?? 'hello');
    print(`wrote ${result.name} in ${result.dir}: ${result.files.join(', ')}`);
    print(`next:\n${result.next.map((line) => `  ${line}`).join('\n')}`);
  },
};

export const devCommand: CommandSpec = {
  name: 'dev',
  summary: 'deploy a function, redeploy it on every save and print its logs, until Ctrl-C',
  args: [{ name: 'dir', required: true }],
  flags: {
    name: { type: 'string', value: 'NAME', help: "function name (default: the directory's name)" },
    env: { type: 'string', multiple: true, value: 'KEY=VALUE', help: 'an environment variable of the function (repeatable)' },
  },
  examples: [
    ['tide dev functions/hello', 'deploy hello, then again each time a file it imports changes'],
    ['tide dev . --env GREETING=Ahoy', 'the function in this directory, with a variable'],
  ],
  details: 'A save that does not bundle (a syntax error, a missing import) is printed, and the revision deployed before it keeps serving.',
  async run({ flags, args, server, credential, namespace, print }) {
    const { devFunction } = await import('../commands/dev.js');
    const signal = abortedOnInterrupt(['SIGINT', 'SIGTERM']);
    await devFunction(createApiClient(server, credential), {
      dir: args[0]!,
      ...(str(flags.name) ? { name: str(flags.name)! } : {}),
      namespace,
      env: keyValues(list(flags.env), 'env', '='),
      print,
      write: (text) => process.stdout.write(text),
      signal,
    });
  },
};
