import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { kcatAvailable, startMockKafka } from '@tide/log-kafka/testing';
import { freePort, repoRoot, startTideCommand, stopTide, type TideProcess } from '../support/tide-process.js';
import { median } from './stats.js';
import type { StopList } from './stop-list.js';
import type { TempDirs } from './temp-dirs.js';

export const FAILOVER_BENCH = {
  runs: 3,
  /**
   * kafkajs consumer settings. 6 s is Kafka's default group.min.session.timeout.ms: no real Kafka
   * accepts less. kafkajs heartbeats between fetches, and an empty topic holds a fetch for the whole
   * wait (5 s by default), so the wait is cut to the heartbeat interval: otherwise heartbeats, and
   * with them the survivor's notice of the rebalance, come up to 5 s late.
   */
  group: { sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 6000, maxWaitTimeInMs: 500 },
  /** `tide control-plane --node-grace`: also the leader lease's grace (the default is 10 s). */
  graceSeconds: 3,
  /** How often the leader renews its lease (startLeaderElection's renewMs default). */
  renewMs: 2000,
};

/** One way's kill → takeover figures over the runs. */
export interface FailoverSpread {
  runsMs: number[];
  minMs: number;
  medianMs: number;
  maxMs: number;
}

export interface FailoverBenchResult {
  runs: number;
  group?: {
    /** kill → the survivor's heartbeat is told the group rebalances (the dead member's session expired). */
    rebalancing: FailoverSpread;
    /** kill → the survivor's GROUP_JOIN that includes partition 0: the takeover. */
    joined: FailoverSpread;
  };
  lease?: {
    /** kill → the time on the survivor's LeaderElected event: the takeover (its loops act once it is folded). */
    elected: FailoverSpread;
    /** kill → the survivor printing `leading the cluster`, which it does at the election's next tick. */
    printed: FailoverSpread;
  };
  /** Why the section did not run (kcat missing). */
  skipped?: string;
}

const GROUP_MEMBER = join(repoRoot, 'test/bench/group-member.mjs');
const spread = (runsMs: number[]): FailoverSpread => ({ runsMs, minMs: Math.min(...runsMs), medianMs: median(runsMs), maxMs: Math.max(...runsMs) });

/**
 * kill -9 of the leader → another process takes over, on the librdkafka mock cluster: a kafkajs
 * consumer group (the owner of partition 0 leads) against two `tide control-plane` processes
 * electing a leader through the lease on tide.leases. A fresh mock cluster per run.
 */
export async function runFailoverBench(temp: TempDirs, stops: StopList): Promise<FailoverBenchResult> {
  const { runs } = FAILOVER_BENCH;
  if (!kcatAvailable()) return { runs, skipped: "Debian's kcat is not installed (the mock Kafka cluster needs it)" };
  const group: { rebalancingMs: number; joinedMs: number }[] = [];
  const lease: { electedMs: number; printedMs: number }[] = [];
  for (let run = 0; run < runs; run++)
    group.push(await onMockKafka(stops, async (brokers) => groupFailover(brokers, await temp.make('tide-bench-group-'), stops)));
  for (let run = 0; run < runs; run++) lease.push(await onMockKafka(stops, (brokers) => leaseFailover(brokers, temp, stops)));
  return {
    runs,
    group: { rebalancing: spread(group.map((g) => g.rebalancingMs)), joined: spread(group.map((g) => g.joinedMs)) },
    lease: { elected: spread(lease.map((l) => l.electedMs)), printed: spread(lease.map((l) => l.printedMs)) },
  };
}

/** A fresh mock per run: no group, lease or leader left over from the previous run to wait out. */
async function onMockKafka<T>(stops: StopList, use: (brokers: string[]) => Promise<T>): Promise<T> {
  const kafka = await startMockKafka({ brokers: 3 });
  const stop = stops.add('mock Kafka (failover)', () => kafka.stop());
  try {
    return await use(kafka.brokers);
  } finally {
    await stop();
  }
}

/** Polls `probe` every 20 ms until it yields a value; after `timeoutMs`, fails with `context()` (the processes' output). */
async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined, context: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`failover bench: no ${what} within ${timeoutMs} ms\n${context().slice(-4000)}`);
    await sleep(20);
  }
}

interface GroupMember {
  joins(): { at: number; partitions: number[] }[];
  rebalancings(): number[];
  gone(): boolean;
  output(): string;
  kill(): void;
  stop(): Promise<void>;
}

/** `syncDir` is shared by the group's members: there they tell each other when they sent a SyncGroup (see group-member.mjs). */
function startGroupMember(brokers: string[], name: string, syncDir: string, stops: StopList): GroupMember {
  const child = spawn(process.execPath, [GROUP_MEMBER, brokers.join(','), name, JSON.stringify(FAILOVER_BENCH.group), syncDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let gone = false;
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => (gone = true));
  // Whole lines only: the last piece may be a line still being written.
  const lines = () => stdout.split('\n').slice(0, -1);
  return {
    joins: () =>
      lines().flatMap((line) => {
        const match = /^join (\d+) ([\d,]*)$/.exec(line);
        return match ? [{ at: Number(match[1]), partitions: match[2] ? match[2].split(',').map(Number) : [] }] : [];
      }),
    rebalancings: () =>
      lines().flatMap((line) => {
        const match = /^rebalancing (\d+)$/.exec(line);
        return match ? [Number(match[1])] : [];
      }),
    gone: () => gone,
    output: () => `${stdout}${stderr}`,
    kill: () => child.kill('SIGKILL'),
    // Members are throwaway: no graceful leave, which would spare the group its session timeout.
    stop: stops.add(`group member ${name}`, async () => {
      child.kill('SIGKILL');
      await exited;
    }),
  };
}

/** Two members of a fresh group; once settled, kill -9 the owner of partition 0 and time the other taking it. */
async function groupFailover(brokers: string[], syncDir: string, stops: StopList): Promise<{ rebalancingMs: number; joinedMs: number }> {
  // Group and topic share the name; the mock creates the topic (4 partitions) on first metadata request.
  const name = `tide.leader.bench-${randomBytes(4).toString('hex')}`;
  const members = [startGroupMember(brokers, name, syncDir, stops), startGroupMember(brokers, name, syncDir, stops)];
  const context = () => members.map((m, i) => `--- group member ${i} ---\n${m.output()}`).join('\n');
  try {
    // Settled = both latest assignments non-empty and disjoint: right after the second member joins, the first may still hold every partition.
    // Bound: a member that had to rejoin leaves a ghost that holds partitions until its session (6 s) ends and the group rebalances again.
    const owner = await waitFor(
      'settled group of two members',
      60_000,
      () => {
        if (members.some((m) => m.gone())) throw new Error(`failover bench: a group member exited\n${context()}`);
        const [a, b] = members.map((m) => m.joins().at(-1)?.partitions ?? []);
        if (!a?.length || !b?.length || a.some((p) => b.includes(p))) return undefined;
        return a.includes(0) ? 0 : b.includes(0) ? 1 : undefined;
      },
      context,
    );
    const survivor = members[1 - owner]!;
    const killedAt = Date.now();
    members[owner]!.kill();
    const joined = await waitFor(
      'GROUP_JOIN with partition 0 on the survivor',
      30_000,
      () => survivor.joins().find((j) => j.at >= killedAt && j.partitions.includes(0)),
      context,
    );
    const rebalancing = survivor.rebalancings().find((at) => at >= killedAt) ?? Number.NaN;
    return { rebalancingMs: rebalancing - killedAt, joinedMs: joined.at - killedAt };
  } finally {
    await Promise.all(members.map((m) => m.stop()));
  }
}

/** The last leadership line a control plane printed, if it says it leads (lines start with an ISO time). */
function leading(output: string): { at: number; epoch: number } | undefined {
  const match = /^(\S+) leading the cluster \(epoch (\d+)\)/.exec(
    output
      .split('\n')
      .filter((line) => /leading/.test(line))
      .at(-1) ?? '',
  );
  return match ? { at: Date.parse(match[1]!), epoch: Number(match[2]) } : undefined;
}

/** Two control planes; once one leads and the other has heard its lease, kill -9 the leader and time the other taking over. */
async function leaseFailover(brokers: string[], temp: TempDirs, stops: StopList): Promise<{ electedMs: number; printedMs: number }> {
  const { graceSeconds, renewMs } = FAILOVER_BENCH;
  const dir = await temp.make('tide-bench-failover-');
  const planes: { process: TideProcess; port: number; stop: () => Promise<void> }[] = [];
  // One cluster, one admin: given to both (on Kafka a control plane's admin.token is only where the first start wrote it).
  const adminToken = `tide_admin_${randomBytes(32).toString('hex')}`;
  const context = () => planes.map((p, i) => `--- control plane ${i} ---\n${p.process.output()}`).join('\n');
  try {
    // One after the other: the first takes the empty log's leadership at once, the second follows.
    for (const name of ['a', 'b']) {
      const port = await freePort();
      const started = await startTideCommand({
        args: ['control-plane', '--port', String(port), '--data', join(dir, name), '--node-grace', String(graceSeconds)],
        env: { TIDE_KAFKA_BROKERS: brokers.join(','), TIDE_ADMIN_TOKEN: adminToken },
        ready: /control plane is up at/,
        timeoutMs: 60_000,
      });
      planes.push({ process: started, port, stop: stops.add(`tide control-plane ${name} (failover)`, () => stopTide(started, 5_000)) });
    }
    const leader = await waitFor(
      'leading control plane',
      30_000,
      () => {
        const at = planes.findIndex((p) => leading(p.process.output()));
        return at >= 0 ? at : undefined;
      },
      context,
    );
    // Steady state (the follower has folded the election and heard a renewal), then a kill at a
    // random point of the renewal cycle: how long the lease was silent before the kill varies with it.
    await sleep(renewMs + Math.random() * renewMs);
    const survivor = planes[1 - leader]!;
    const killedAt = Date.now();
    planes[leader]!.process.child.kill('SIGKILL');
    const took = await waitFor(
      'takeover by the surviving control plane',
      (graceSeconds + 15) * 1000,
      () => {
        const line = leading(survivor.process.output());
        return line && line.at >= killedAt ? line : undefined;
      },
      context,
    );
    const elected = await leaderElectedAt(`http://127.0.0.1:${survivor.port}`, adminToken, took.epoch);
    return { electedMs: elected - killedAt, printedMs: took.at - killedAt };
  } finally {
    for (const plane of planes) await plane.stop();
  }
}

/** The writer's time on the accepted LeaderElected of `epoch`, read from the control plane's event stream (bounded: 10 s). */
async function leaderElectedAt(url: string, adminToken: string, epoch: number): Promise<number> {
  const res = await request(`${url}/apis/tide.dev/v1/events?watch=true&resourceVersion=0`, {
    headers: { authorization: `Bearer ${adminToken}` },
    signal: AbortSignal.timeout(10_000),
  });
  let buffer = '';
  for await (const chunk of res.body) {
    buffer += (chunk as Buffer).toString();
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const data = buffer
        .slice(0, end)
        .split('\n')
        .find((line) => line.startsWith('data: '));
      buffer = buffer.slice(end + 2);
      if (!data) continue;
      const event = JSON.parse(data.slice('data: '.length)) as { type: string; time: string; data: { epoch?: number }; verdict: { accepted: boolean } };
      // Returning ends the loop, which destroys the body and with it the watch.
      if (event.type === 'LeaderElected' && event.data.epoch === epoch && event.verdict.accepted) return Date.parse(event.time);
    }
  }
  throw new Error(`failover bench: ${url}'s event stream ended without LeaderElected epoch ${epoch}`);
}
