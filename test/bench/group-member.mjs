/**
 * One member of a kafkajs consumer group, spawned by bench section 10 (leadership failover; see
 * failover-bench.ts). A plain .mjs file because the bench is bundled: it is started by path at run
 * time. Prints `join <Date.now()> <partitions>` on every GROUP_JOIN and `rebalancing <Date.now()>`
 * when a heartbeat is told the group is rebalancing, so a takeover of partition 0 is timed by the
 * clock the bench's kill was timed by.
 * Arguments: brokers (comma-separated), the group and topic name, the consumer options as JSON.
 */
import { createRequire } from 'node:module';

const [brokers = '', name = '', options = '{}'] = process.argv.slice(2);
// kafkajs is a dependency of @tide/log-kafka: resolve it from there, as the packages do.
const require = createRequire(new URL('../../packages/log-kafka/package.json', import.meta.url));
const { Kafka, logLevel } = require('kafkajs');

const kafka = new Kafka({ clientId: `tide-bench-member-${process.pid}`, brokers: brokers.split(','), logLevel: logLevel.ERROR });
const consumer = kafka.consumer({ groupId: name, ...JSON.parse(options) });
consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
  process.stdout.write(`join ${Date.now()} ${(payload.memberAssignment[name] ?? []).join(',')}\n`);
});
// Emitted when a heartbeat answers REBALANCE_IN_PROGRESS: after a kill, the moment the dead member's session expired.
consumer.on(consumer.events.REBALANCING, () => process.stdout.write(`rebalancing ${Date.now()}\n`));
await consumer.connect();
await consumer.subscribe({ topics: [name] });
await consumer.run({ autoCommit: false, eachMessage: async () => {} });
