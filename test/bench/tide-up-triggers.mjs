/**
 * `tide up` with the Kafka triggers engine, for bench section 11 while the CLI's `tide up` runs no
 * Kafka-trigger engine yet (TRIGGER_ENGINES of @tide/triggers lacks one): the same `up()` the CLI
 * calls — control plane, gateway, triggers process (with its component token) and a node in one
 * process — given `triggerEngines` explicitly. A plain .mjs file because the bench is bundled: it
 * is started by path at run time. Arguments: data dir, port, and the Kafka brokers (comma-separated;
 * empty: the embedded log). Prints what `tide up` prints; SIGTERM stops it gracefully.
 */
import { fileURLToPath } from 'node:url';
import { up } from '@tide/cli';
import { kafkaTriggersEngine } from '@tide/triggers';

const [dataDir = '', port = '0', brokers = ''] = process.argv.slice(2);
const list = brokers.split(',').filter(Boolean);
const tide = await up({
  port: Number(port),
  host: '127.0.0.1',
  dataDir,
  deployDirs: [],
  nodeGraceSeconds: 10,
  nodes: 1,
  cliEntry: fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url)),
  ...(list.length ? { kafka: { kind: 'kafka', brokers: list } } : {}),
  otelEnv: {},
  kafkaEnv: list.length ? { TIDE_KAFKA_BROKERS: brokers } : {},
  triggerEngines: [{ name: 'kafka', start: kafkaTriggersEngine(), leaderOnly: false }],
  log: (line) => console.log(`${new Date().toISOString()} ${line}`),
});
process.once('SIGTERM', () => {
  console.log('stopping: draining in-flight calls and stopping pods');
  tide.stop().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
});
