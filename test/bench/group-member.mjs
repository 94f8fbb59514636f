/**
 * One member of a kafkajs consumer group, spawned by bench section 10 (leadership failover; see
 * failover-bench.ts). A plain .mjs file because the bench is bundled: it is started by path at run
 * time. Prints `join <Date.now()> <partitions>` on every GROUP_JOIN and `rebalancing <Date.now()>`
 * when a heartbeat is told the group is rebalancing, so a takeover of partition 0 is timed by the
 * clock the bench's kill was timed by.
 * Arguments: brokers (comma-separated), the group and topic name, the consumer options as JSON, and
 * a directory shared by the group's members (see "The mock's SyncGroup race" below).
 *
 * The mock's SyncGroup race. librdkafka's mock coordinator (Debian's 2.0.2) ends a sync as soon as
 * the leader's SyncGroup has handed out every member's assignment, answers only the members whose
 * SyncGroup it already holds, and moves the group to Up; a follower whose SyncGroup arrives after
 * the leader's then gets INVALID_REQUEST (42) — which kafkajs treats as fatal, so the member crashed
 * and the bench with it. A real broker answers a late follower with its assignment. On a busy
 * machine the follower loses that race most of the time (6 of 8 formations under two busy loops).
 * So, two defences:
 * - the leader holds its SyncGroup until every other member has sent its own (each member records
 *   when it sent a SyncGroup in the shared directory, under its pid, which it also puts in its
 *   JoinGroup metadata so the leader knows whom to wait for), for at most LEADER_HOLD_MS;
 * - a member that crashes on that error joins again with a fresh consumer (`rejoin <Date.now()>`).
 * The failover itself is unaffected: the survivor is then alone in the group and waits for nobody.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [brokers = '', name = '', options = '{}', syncDir = ''] = process.argv.slice(2);
// kafkajs is a dependency of @tide/log-kafka: resolve it from there, as the packages do.
const require = createRequire(new URL('../../packages/log-kafka/package.json', import.meta.url));
const { AssignerProtocol, Kafka, PartitionAssigners, logLevel } = require('kafkajs');

/** Below the mock's sync timeout (the session timeout, 6 s), so a hold never costs the generation. */
const LEADER_HOLD_MS = 3000;
/** A member that keeps crashing is broken, not unlucky: give up and let the bench report it. */
const MAX_REJOINS = 10;
const INVALID_REQUEST = 42;

const signalFile = (pid) => join(syncDir, `sync-sent-${pid}`);
/** When member `pid` last sent a SyncGroup (0 if never). */
function lastSyncSent(pid) {
  try {
    return Number(readFileSync(signalFile(pid), 'utf8').trim().split('\n').at(-1)) || 0;
  } catch {
    return 0;
  }
}

/** kafkajs logs `Request SyncGroup(...)` at debug level right before writing it to the socket. */
const logCreator =
  () =>
  ({ namespace, level, log }) => {
    if (syncDir && /^Request SyncGroup\(/.test(log.message)) appendFileSync(signalFile(process.pid), `${Date.now()}\n`);
    if (level <= logLevel.ERROR) process.stderr.write(`${JSON.stringify({ namespace, ...log })}\n`);
  };

/** Round robin, with the member's pid in its JoinGroup metadata and a leader that waits for the others' SyncGroups. */
const patientRoundRobin = (config) => {
  const inner = PartitionAssigners.roundRobin(config);
  return {
    name: 'TideBenchPatientRoundRobin',
    version: inner.version,
    protocol: ({ topics }) => ({
      name: 'TideBenchPatientRoundRobin',
      metadata: AssignerProtocol.MemberMetadata.encode({ version: inner.version, topics, userData: Buffer.from(String(process.pid)) }),
    }),
    async assign(group) {
      const holdFrom = Date.now();
      const others = group.members
        .map((m) => Number(AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData?.toString()))
        .filter((pid) => pid && pid !== process.pid);
      // The others got their JoinGroup answers when this leader did, just before this call: a SyncGroup
      // sent in the last second belongs to this generation (the previous one is a rebalance, ≥3 s, ago).
      const allSent = () => others.every((pid) => lastSyncSent(pid) >= holdFrom - 1000);
      while (syncDir && !allSent() && Date.now() - holdFrom < LEADER_HOLD_MS) await new Promise((r) => setTimeout(r, 5));
      return inner.assign(group);
    },
  };
};

const kafka = new Kafka({ clientId: `tide-bench-member-${process.pid}`, brokers: brokers.split(','), logLevel: logLevel.DEBUG, logCreator });

async function member(rejoins) {
  const consumer = kafka.consumer({ groupId: name, partitionAssigners: [patientRoundRobin], ...JSON.parse(options) });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    process.stdout.write(`join ${Date.now()} ${(payload.memberAssignment[name] ?? []).join(',')}\n`);
  });
  // Emitted when a heartbeat answers REBALANCE_IN_PROGRESS: after a kill, the moment the dead member's session expired.
  consumer.on(consumer.events.REBALANCING, () => process.stdout.write(`rebalancing ${Date.now()}\n`));
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart || (payload.error?.type !== 'INVALID_REQUEST' && payload.error?.code !== INVALID_REQUEST)) return;
    if (rejoins >= MAX_REJOINS) {
      process.stderr.write(`group member ${process.pid}: SyncGroup refused ${rejoins + 1} times; giving up\n`);
      process.exit(1);
    }
    process.stdout.write(`rejoin ${Date.now()}\n`);
    void member(rejoins + 1);
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [name] });
  await consumer.run({ autoCommit: false, eachMessage: async () => {} });
}

await member(0);
