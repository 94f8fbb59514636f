import { readFile } from 'node:fs/promises';
import { CliError, createApiClient } from '../api-client.js';
import { readStdin } from '../stdin.js';
import type { CommandSpec } from './command-spec.js';
import { int, keyValues } from './flag-values.js';
import { list, str } from './process-commands.js';

/** `tide publish`: a record onto a namespace's topic, without a Kafka client (the records API). */
export const publishCommand: CommandSpec = {
  name: 'publish',
  summary: "publish a record to a namespace's topic (what Kafka triggers consume)",
  args: [{ name: 'topic', required: true }],
  flags: {
    key: { type: 'string', short: 'k', value: 'KEY', help: 'record key: records with one key keep their order (one partition)' },
    header: { type: 'string', short: 'H', multiple: true, value: 'NAME=VALUE', help: 'a record header (repeatable)' },
    data: { type: 'string', short: 'd', value: 'TEXT', help: 'the value, as text (else --file, else stdin)' },
    file: { type: 'string', short: 'f', value: 'FILE', help: "the value: a file's bytes" },
    count: { type: 'string', value: 'N', help: 'publish N copies of the record (demos, load; default 1)' },
  },
  examples: [
    ['tide publish orders --key person-17 --data \'{"id": 1}\'', 'one record, keyed: prints its partition and offset'],
    ['tide publish orders -H content-type=application/json -f order.json', "a file's bytes, with a header"],
    ['echo hello | tide publish greetings -n demo', 'the value from stdin, in namespace demo'],
    ['tide publish orders --data tick --count 1000', '1 000 copies, for a demo of scaling'],
  ],
  details:
    "A namespace's topic on the platform's bus: the embedded log on one machine (no Kafka needed), or the cluster's Kafka. The same as POST /apis/tide.dev/v1/namespaces/{ns}/topics/{topic}/records.",
  async run({ flags, args, server, credential, namespace, print }) {
    const { publish, describePublished } = await import('../commands/publish.js');
    const topic = args[0]!;
    const count = int('count', str(flags.count), 1);
    if (count < 1) throw new CliError(`--count must be at least 1, got "${str(flags.count)}"`, 2);
    const key = str(flags.key);
    const published = await publish(createApiClient(server, credential), {
      namespace,
      topic,
      ...(key !== undefined && { key }),
      headers: keyValues(list(flags.header), 'header', '='),
      value: await recordValue(str(flags.data), str(flags.file)),
      count,
    });
    for (const line of describePublished(topic, published)) print(line);
  },
};

/** --data as text; --file (or piped stdin) as bytes. */
async function recordValue(data: string | undefined, file: string | undefined): Promise<string | Uint8Array> {
  if (data !== undefined && file !== undefined) throw new CliError('give the value once: --data or --file, not both', 2);
  if (data !== undefined) return data;
  if (file !== undefined) {
    try {
      return await readFile(file);
    } catch (error) {
      throw new CliError(`--file ${file}: cannot read it: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 2);
    }
  }
  if (process.stdin.isTTY) throw new CliError('give the value: --data TEXT, --file FILE, or pipe it on stdin', 2);
  return readStdin();
}
