import { COLD_START_BENCH, type ColdStartModes, type ColdStartResult } from './cold-start-bench.js';
import type { DeployBenchResult } from './deploy-bench.js';
import type { LogBenchResult } from './log-bench.js';
import type { MachineInfo } from './machine.js';
import { PROXY_BENCH } from './proxy-bench.js';
import type { ProxyOverheadResult } from './proxy-overhead.js';
import { REPLAY_BENCH, type ReplayBenchResult } from './replay-bench.js';
import { SCALE_STEP_BENCH, type ScaleStepResult } from './scale-step-bench.js';
import { AGENT_SANDBOX_BENCH, type AgentSandboxPath, type SandboxBenchResult } from './sandbox-bench.js';
import { formatCell, renderTable, type Cell } from './table.js';
import type { LatencySummary } from './stats.js';
import type { KafkaBenchResult } from './kafka-bench.js';
import { SCHEDULER_BENCH, type SchedulerBenchResult } from './scheduler-bench.js';
import { FAILOVER_BENCH, type FailoverBenchResult, type FailoverSpread } from './failover-bench.js';
import { meets, reaches, TARGETS } from './targets.js';
import { TRIGGERS_BENCH, type TriggersBenchResult, type TriggersBusResult } from './triggers-bench.js';

/** The printed form of each section's figures (the same figures go to results.json). */
export function machineHeader(m: MachineInfo): string {
  return [`Tide bench — ${m.date}`, `machine: ${m.cpus} cpus (${m.cpuModel}), ${m.memoryGb} GB, ${m.platform}; Node ${m.node}`].join('\n');
}

export function logReport({ single, batched }: LogBenchResult): string {
  const row = (mode: string, r: LogBenchResult['single']): Cell[] => [
    mode,
    r.records,
    r.batchSize,
    r.eventsPerSecond,
    r.batches,
    r.meanBatchRecords,
    r.appendLatencyMs.p50,
    r.appendLatencyMs.p99,
    r.appendLatencyMs.max,
  ];
  return renderTable(
    `1. Event log appends with fsync (${single.valueBytes}-byte values)`,
    ['mode', 'records', 'in flight', 'events/s', 'fsyncs', 'records/fsync', 'p50 ms', 'p99 ms', 'max ms'],
    [row('single', single), row('batched', batched)],
  );
}

export function replayReport(r: ReplayBenchResult): string {
  const mix = Object.entries(r.byType)
    .map(([type, n]) => `${type} ${formatCell(n)}`)
    .join(', ');
  const table = renderTable(
    `2. Rebuilding state from ${formatCell(r.events)} events (openStateStore until caught up)`,
    ['start-up', 'events folded', `ms (median of ${REPLAY_BENCH.runs})`, 'runs ms', 'events/s'],
    [
      ['full replay, no snapshot', r.events, r.full.ms, r.full.runsMs.map(formatCell).join(' / '), r.full.eventsPerSecond],
      [
        `snapshot @${r.fromSnapshot.snapshotOffset} + tail`,
        r.fromSnapshot.tailEvents,
        r.fromSnapshot.ms,
        r.fromSnapshot.runsMs.map(formatCell).join(' / '),
        r.fromSnapshot.tailEvents / (r.fromSnapshot.ms / 1000),
      ],
      ['(fold only, in memory, 1 run)', r.events, r.foldOnlyMs, '-', r.events / (r.foldOnlyMs / 1000)],
      ['(log open before it, median)', '-', r.logOpenMs, '-', '-'],
    ],
  );
  return [
    table,
    `stream: ${formatCell(r.logBytes / 1e6)} MB; accepted by the fold ${formatCell(r.accepted)} of ${formatCell(r.events)} (${(r.acceptedShare * 100).toFixed(1)}%)`,
    `mix: ${mix}`,
    `snapshot: ${formatCell(r.fromSnapshot.snapshotBytes / 1e6)} MB; both start-ups reach an identical state (encodeSnapshot bytes equal): ${r.identicalState ? 'yes' : 'NO'}`,
  ].join('\n');
}

export function deployReport(r: DeployBenchResult): string {
  const row = (what: string, s: DeployBenchResult['uploadToFirst200Ms']): Cell[] => [what, s.p50, s.p99, s.max];
  return [
    renderTable(
      `3. Deploy → first 200 (${r.functions} distinct functions, one after another, polling every 2 ms)`,
      ['interval', 'p50 ms', 'p99 ms', 'max ms'],
      [
        row('upload start → first 200', r.uploadToFirst200Ms),
        row('PUT acknowledged → first 200', r.putAckToFirst200Ms),
        row('upload start → PUT acknowledged', r.uploadToPutAckMs),
      ],
    ),
    `non-200 answers while polling: ${r.non200Answers} (the gateway holds a call to a function with no ready pod, so one GET usually spans the wait)`,
  ].join('\n');
}

export function proxyReport(r: ProxyOverheadResult): string {
  const label = (name: string) =>
    name === 'direct'
      ? 'direct to pod'
      : name === 'nginx'
        ? `through ${r.nginx.found ? r.nginx.version : 'nginx'}`
        : name === 'minimal'
          ? 'through the minimal Node proxy'
          : name === 'haproxy-ingress'
            ? 'through the HAProxy ingress'
            : 'through Tide gateway';
  const cpu = (us: number | undefined) => us ?? 'n/a';
  const latency = renderTable(
    `4. Proxy overhead: warm calls to hello, concurrency 1, keep-alive (blocks of ${PROXY_BENCH.blockRequests} in A B C / C B A order after ${PROXY_BENCH.warmupRequests} warm-up each)`,
    ['way', 'requests', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'added p50 ms', 'added p99 ms'],
    r.ways.map((w) => [
      label(w.name),
      w.latencyMs.count,
      w.latencyMs.p50,
      w.latencyMs.p90,
      w.latencyMs.p99,
      w.latencyMs.max,
      w.name === 'direct' ? '-' : w.addedMs.p50,
      w.name === 'direct' ? '-' : w.addedMs.p99,
    ]),
  );
  const throughput = renderTable(
    `   Throughput at concurrency ${PROXY_BENCH.concurrency} for ${PROXY_BENCH.throughputSeconds} s each (blocks of ${PROXY_BENCH.throughputBlockSeconds} s, A B C / C B A); proxy CPU per request (utime+stime from /proc: nginx master + worker, the minimal proxy's process, the whole Tide process)`,
    ['way', 'requests', 'seconds', 'requests/s', 'CPU µs/req c=1', `CPU µs/req c=${PROXY_BENCH.concurrency}`],
    r.ways.map((w) => [
      label(w.name),
      w.throughput.requests,
      w.throughput.seconds,
      w.throughput.requestsPerSecond,
      w.name === 'direct' ? '-' : cpu(w.cpuUsPerRequest.concurrency1),
      w.name === 'direct' ? '-' : cpu(w.cpuUsPerRequest.concurrency32),
    ]),
  );
  const gateway = r.ways.find((w) => w.name === 'gateway');
  const direct = r.ways.find((w) => w.name === 'direct');
  const ratio = r.gatewayCpuPerNginxCpu;
  const ofMinimal = r.gatewayCpuPerMinimalCpu;
  const minimal = r.ways.find((w) => w.name === 'minimal');
  const throughputOfMinimal = gateway && minimal ? gateway.throughput.requestsPerSecond / minimal.throughput.requestsPerSecond : undefined;
  const times = (x: number | undefined) => (x === undefined ? 'n/a' : `${formatCell(x)}×`);
  const lines = [
    latency,
    '',
    throughput,
    r.nginx.found
      ? `gateway CPU / nginx CPU per request: ${times(ratio.concurrency1)} at c=1, ${times(ratio.concurrency32)} at c=${PROXY_BENCH.concurrency}   (nginx: ${r.nginx.binary}, ${r.nginx.version}${r.nginx.installedNow ? ', installed by this run with apt-get' : ''}; 1 worker, upstream keepalive 64)`
      : `nginx column missing: ${r.nginx.reason}`,
    `Tide's CPU while calls went direct (its idle baseline, per request): ${formatCell(cpu(direct?.cpuUsPerRequest.concurrency1))} µs at c=1, ${formatCell(cpu(direct?.cpuUsPerRequest.concurrency32))} µs at c=${PROXY_BENCH.concurrency}`,
    `gateway CPU / the minimal Node proxy's per request: ${times(ofMinimal.concurrency1)} at c=1, ${times(ofMinimal.concurrency32)} at c=${PROXY_BENCH.concurrency}; gateway throughput / the minimal proxy's: ${formatCell(throughputOfMinimal === undefined ? Number.NaN : throughputOfMinimal * 100)} %`,
    `targets: gateway added p50 ≤ ${TARGETS.gatewayAddedP50Ms * 1000} µs: ${formatCell((gateway?.addedMs.p50 ?? Number.NaN) * 1000)} µs (${meets(gateway?.addedMs.p50, TARGETS.gatewayAddedP50Ms)}), ` +
      `added p99 ≤ ${TARGETS.gatewayAddedP99Ms * 1000} µs: ${formatCell((gateway?.addedMs.p99 ?? Number.NaN) * 1000)} µs (${meets(gateway?.addedMs.p99, TARGETS.gatewayAddedP99Ms)}); ` +
      `gateway CPU ≤ ${TARGETS.gatewayCpuPerMinimalCpu}× the minimal proxy's: ${times(ofMinimal.concurrency1)} at c=1 (${meets(ofMinimal.concurrency1, TARGETS.gatewayCpuPerMinimalCpu)}), ${times(ofMinimal.concurrency32)} at c=${PROXY_BENCH.concurrency} (${meets(ofMinimal.concurrency32, TARGETS.gatewayCpuPerMinimalCpu)}); ` +
      `throughput ≥ ${TARGETS.gatewayThroughputOfMinimal * 100} % of the minimal proxy's (${reaches(throughputOfMinimal, TARGETS.gatewayThroughputOfMinimal)})`,
  ];
  return lines.join('\n');
}

export function coldStartReport(r: ColdStartModes, nodeStart?: { starts: number; firstResponseMs: LatencySummary }): string {
  const row = (mode: string, c: ColdStartResult, target: string): Cell[] => [
    mode,
    c.firstByteMs.count,
    c.firstByteMs.p50,
    c.firstByteMs.p90,
    c.firstByteMs.p99,
    c.firstByteMs.max,
    target,
  ];
  const poolTarget = `p50 ≤ ${TARGETS.coldStartPoolP50Ms} (${meets(r.pool.firstByteMs.p50, TARGETS.coldStartPoolP50Ms)}), p99 ≤ ${TARGETS.coldStartPoolP99Ms} (${meets(r.pool.firstByteMs.p99, TARGETS.coldStartPoolP99Ms)})`;
  const spawnTarget = `p50 ≤ ${TARGETS.coldStartSpawnP50Ms} (${meets(r.noPool.firstByteMs.p50, TARGETS.coldStartSpawnP50Ms)})`;
  const lines = [
    renderTable(
      `6. Cold start: request at zero → first byte (${r.pool.functions} functions per mode at 0 pods: min 0, max 1, idle 1 s; one GET each, ${COLD_START_BENCH.settleMs} ms apart; a fresh tide up per mode)`,
      ['mode', 'starts', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'target ms'],
      [
        row('warm pool (default size 2)', r.pool, poolTarget),
        row('no pool (TIDE_WARM_POOL=0)', r.noPool, spawnTarget),
        ...(nodeStart ? [row('yardstick: bare `node` spawned → first response', { ...r.noPool, firstByteMs: nodeStart.firstResponseMs }, '-')] : []),
      ],
    ),
    `warm-pool processes on the node while every function was at zero: ${r.pool.poolProcessesAtZero} with the pool, ${r.noPool.poolProcessesAtZero} without`,
  ];
  if (r.noPool.poolProcessesAtZero > 0)
    lines.push('WARNING: the tide up started with TIDE_WARM_POOL=0 still kept pool processes: it does not read the variable, so both rows measured a pool');
  return lines.join('\n');
}

export function scaleStepReport(r: ScaleStepResult): string {
  const row = (what: string, s: ScaleStepResult['decisionMs'], target: string): Cell[] => [what, s.count, s.p50, s.max, target];
  const { callers, sleepMs, scale, podPollMs } = SCALE_STEP_BENCH;
  const perStep = r.steps
    .map(
      (s) =>
        `${s.from ?? '?'}→${s.to ?? '?'} at ${s.decisionMs === undefined ? 'none' : formatCell(s.decisionMs)} ms, pod Ready at ${s.firstNewReadyMs === undefined ? 'none' : formatCell(s.firstNewReadyMs)} ms (${formatCell(s.requests)} calls, ${s.non200} not 200)`,
    )
    .join('; ');
  return [
    renderTable(
      `5. Load step → first scale decision: 1 pod (min ${scale.min}, max ${scale.max}, target ${scale.target}), then ${callers} callers of sleep?ms=${sleepMs}; ${r.steps.length} steps, a fresh function each`,
      ['interval from the step', 'steps', 'p50 ms', 'max ms', 'target ms'],
      [
        row('→ first ScaleSet (its log time)', r.decisionMs, `≤ ${TARGETS.stepToDecisionMs} (${meets(r.decisionMs.p50, TARGETS.stepToDecisionMs)})`),
        row('→ ScaleSet seen on the watch stream', r.decisionSeenMs, '-'),
        row(`→ first new pod Ready (polled every ${podPollMs} ms)`, r.firstNewReadyMs, '-'),
      ],
    ),
    `per step: ${perStep}`,
  ].join('\n');
}

export function schedulerReport(r: SchedulerBenchResult): string {
  return [
    renderTable(
      `7. Scheduler placements over ${formatCell(r.nodes)} simulated nodes`,
      ['way', 'pods placed', 'placements/s', 'decision p50 ms', 'decision p99 ms'],
      [
        ['pure assignPending (in memory)', r.pure.pods, r.pure.placementsPerSecond, '-', '-'],
        [
          `through the embedded log, ${SCHEDULER_BENCH.batch}-pod batches back to back`,
          r.throughLog.pods,
          r.throughLog.placementsPerSecond,
          r.throughLog.decisionMs.p50,
          r.throughLog.decisionMs.p99,
        ],
        [
          `through the embedded log, ${SCHEDULER_BENCH.paced.batch} pods every ${SCHEDULER_BENCH.paced.everyMs} ms`,
          r.paced.pods,
          r.paced.placementsPerSecond,
          r.paced.decisionMs.p50,
          r.paced.decisionMs.p99,
        ],
      ],
    ),
    `targets: end to end ≥ 1 000 placements/s: ${formatCell(r.throughLog.placementsPerSecond)} (${r.throughLog.placementsPerSecond >= 1000 ? 'yes' : 'NO'}); p99 decision ≤ 5 ms: ${formatCell(r.throughLog.decisionMs.p99)} ms back to back (${r.throughLog.decisionMs.p99 <= 5 ? 'yes' : 'NO'}), ${formatCell(r.paced.decisionMs.p99)} ms paced (${r.paced.decisionMs.p99 <= 5 ? 'yes' : 'NO'}) — decision = PodCreated folded → PodBound folded; back to back, a batch waits for the pass before it`,
  ].join('\n');
}

export function nodesDeployReport(r: DeployBenchResult): string {
  return [
    renderTable(
      `8. Deploy → routable on 3 real nodes (tide up --nodes 3: node agents as processes; ${r.functions} functions)`,
      ['interval', 'p50 ms', 'p99 ms', 'max ms'],
      [
        ['upload start → first 200', r.uploadToFirst200Ms.p50, r.uploadToFirst200Ms.p99, r.uploadToFirst200Ms.max],
        ['PUT acknowledged → first 200', r.putAckToFirst200Ms.p50, r.putAckToFirst200Ms.p99, r.putAckToFirst200Ms.max],
      ],
    ),
    `target: deploy → routable p50 ≤ 100 ms: ${formatCell(r.uploadToFirst200Ms.p50)} ms (${r.uploadToFirst200Ms.p50 <= 100 ? 'yes' : 'NO'})`,
  ].join('\n');
}

export function kafkaReport(r: KafkaBenchResult): string {
  const row = (way: string, b: KafkaBenchResult['embedded']): Cell[] => [
    way,
    b.commands,
    b.followers,
    b.acceptedMs.p50,
    b.acceptedMs.p99,
    b.appliedMs.p50,
    b.appliedMs.p99,
  ];
  const rows: Cell[][] = [row('embedded log (fsync, one process)', r.embedded)];
  for (const run of r.kafka?.acceptedToApplied ?? []) rows.push(row(`librdkafka mock cluster via kafkajs, fetch wait ${run.fetchMaxWaitMs} ms`, run));
  const lines = [
    renderTable(
      '9. Command accepted → applied by every consumer (one writer store, followers folding the same stream)',
      ['log', 'commands', 'followers', 'accepted p50 ms', 'accepted p99 ms', 'applied p50 ms', 'applied p99 ms'],
      rows,
    ),
  ];
  if (r.kafka) {
    const a = r.kafka.appends;
    lines.push(
      renderTable(
        '   State-stream appends through kafkajs (acks -1, partition 0)',
        ['mode', 'records', 'appenders', 'events/s', 'p50 ms', 'p99 ms'],
        [
          ['single', a.single.records, a.single.appenders, a.single.eventsPerSecond, a.single.appendLatencyMs.p50, a.single.appendLatencyMs.p99],
          ['batched', a.batched.records, a.batched.appenders, a.batched.eventsPerSecond, a.batched.appendLatencyMs.p50, a.batched.appendLatencyMs.p99],
        ],
      ),
      ...r.kafka.acceptedToApplied.map(
        (run) =>
          `targets (local broker), fetch wait ${run.fetchMaxWaitMs} ms: applied p50 ≤ 5 ms: ${formatCell(run.appliedMs.p50)} ms (${run.appliedMs.p50 <= 5 ? 'yes' : 'NO'}); p99 ≤ 20 ms: ${formatCell(run.appliedMs.p99)} ms (${run.appliedMs.p99 <= 20 ? 'yes' : 'NO'})`,
      ),
      '   The mock holds an empty Fetch for the whole fetch wait, so the wait bounds how late a follower sees a record there (Tide uses 100 ms: TIDE_KAFKA_FETCH_WAIT_MS); real Kafka answers as soon as a record arrives, whatever the wait.',
    );
  } else lines.push(`Kafka column missing: ${r.skipped}`);
  return lines.join('\n');
}

export function failoverReport(r: FailoverBenchResult): string {
  const title = `10. Leadership failover on the mock Kafka cluster: kill -9 of the leader → another process takes over (${r.runs} runs per way, a fresh mock cluster per run)`;
  if (!r.group || !r.lease) return [title, `section skipped: ${r.skipped}`].join('\n');
  const { group, graceSeconds, renewMs } = FAILOVER_BENCH;
  const row = (way: string, s: FailoverSpread): Cell[] => [way, s.minMs, s.medianMs, s.maxMs, s.runsMs.map(formatCell).join(' / ')];
  return [
    renderTable(
      title,
      ['way: kill →', 'min ms', 'median ms', 'max ms', 'runs ms'],
      [
        row('consumer group: survivor told the group rebalances', r.group.rebalancing),
        row('consumer group: survivor joins owning partition 0', r.group.joined),
        row('lease on tide.leases: survivor writes LeaderElected', r.lease.elected),
        row('lease on tide.leases: survivor prints "leading"', r.lease.printed),
      ],
    ),
    `consumer group: two kafkajs members, sessionTimeout ${formatCell(group.sessionTimeout)} ms, heartbeatInterval ${group.heartbeatInterval} ms, rebalanceTimeout ${formatCell(group.rebalanceTimeout)} ms, autoCommit off, fetch wait ${group.maxWaitTimeInMs} ms (kafkajs heartbeats between fetches).`,
    `   The mock holds a rebalance after a member leaves for the session timeout - 1 s before it completes it; a real broker completes it once the survivor rejoins, so there expect about the "told" row plus a join round trip.`,
    `lease: two tide control-plane processes, --node-grace ${graceSeconds} (the lease's grace; default 10 s), renewal every ${renewMs / 1000} s; "leading" is printed at the election's next tick, ${renewMs / 1000} s after it writes LeaderElected.`,
    "Leadership is only an efficiency (the fold rejects a stale epoch either way); Tide uses the lease because a group's failover is bounded below by the session timeout (≥ 6 s on Kafka by default) plus a rebalance, while the lease's grace is a setting.",
  ].join('\n');
}

export function triggersReport(r: TriggersBenchResult): string {
  const b = TRIGGERS_BENCH;
  const columns: { title: string; run: TriggersBusResult | undefined }[] = [
    { title: 'embedded log', run: r.runs.find((x) => x.bus === 'embedded') },
    { title: 'mock Kafka (kafkajs)', run: r.runs.find((x) => x.bus === 'kafka') },
  ];
  const cell = (value: (run: TriggersBusResult) => number | undefined) => columns.map((c) => (c.run ? (value(c.run) ?? '-') : 'n/a'));
  const embedded = columns[0]!.run;
  const latencyTarget = `p50 ≤ ${TARGETS.triggerInvokedP50Ms} (${meets(embedded?.latency?.invokedMs.p50, TARGETS.triggerInvokedP50Ms)}), p99 ≤ ${TARGETS.triggerInvokedP99Ms} (${meets(embedded?.latency?.invokedMs.p99, TARGETS.triggerInvokedP99Ms)}) on the log`;
  const rate = (run: TriggersBusResult | undefined, i: number) => reaches(run?.throughput[i]?.eventsPerSecond, TARGETS.triggerEventsPerSecond);
  const drainRows = b.throughputMaxInFlight.flatMap((maxInFlight, i) => [
    [
      `throughput events/s (${formatCell(b.recordBytes)} B, batch ${b.throughputBatchSize}, maxInFlight ${maxInFlight})`,
      ...cell((x) => x.throughput[i]?.eventsPerSecond),
      `≥ ${formatCell(TARGETS.triggerEventsPerSecond)} (log ${rate(embedded, i)}, Kafka ${rate(columns[1]!.run, i)})`,
    ],
    ['  drain s (first call in → last call out)', ...cell((x) => x.throughput[i]?.drainSeconds), ''],
    ['  trigger applied → first call ms', ...cell((x) => x.throughput[i]?.toFirstDeliveryMs), ''],
    [
      '  records / duplicates / records per call',
      ...columns.map((c) => {
        const t = c.run?.throughput[i];
        return t ? `${formatCell(t.records)} / ${t.duplicates} / ${formatCell(t.meanBatch)}` : 'n/a';
      }),
      'duplicates 0',
    ],
    ['  pre-published through the records API, records/s', ...cell((x) => x.throughput[i]?.publishedPerSecond), ''],
  ]);
  const rows = [
    ['produced → invoked p50 ms', ...cell((x) => x.latency?.invokedMs.p50), latencyTarget],
    ['produced → invoked p99 ms', ...cell((x) => x.latency?.invokedMs.p99), ''],
    ['produced → invoked max ms', ...cell((x) => x.latency?.invokedMs.max), ''],
    ['publish → acknowledged p50 ms', ...cell((x) => x.latency?.publishAckMs.p50), ''],
    [
      "record's timestamp → invoked p50 / p99 ms",
      ...columns.map((c) =>
        c.run?.latency ? `${formatCell(c.run.latency.stampedToInvokedMs.p50)} / ${formatCell(c.run.latency.stampedToInvokedMs.p99)}` : 'n/a',
      ),
      '',
    ],
    [
      '  records / duplicates / records per call',
      ...columns.map((c) => (c.run?.latency ? `${c.run.latency.records} / ${c.run.latency.duplicates} / ${formatCell(c.run.latency.meanBatch)}` : 'n/a')),
      'duplicates 0',
    ],
    ...drainRows,
    ['machine load, 1-min average at the start', ...cell((x) => x.loadAverage), ''],
  ];
  const lines = [
    renderTable(
      `11. Kafka triggers: record produced → function invoked, and trigger throughput (a warm function, min 1, with a Workers queue handler; ${r.launch === 'tide up' ? 'tide up' : "up() as tide up runs it, given the Kafka-trigger engine (tide up's TRIGGER_ENGINES has none yet)"}, one per bus)`,
      ['figure', ...columns.map((c) => c.title), 'target'],
      rows,
    ),
    `latency: ${b.latencyRecords} records one per POST of the records API at ${b.latencyPerSecond}/s (on their slots, not after the last answer) over ${b.latencyKeys} keys, to a trigger from the latest offset (ordering key, batchSize ${b.latencyBatchSize}, delivery handler: the module's queue(batch)), after warm-up records until the first arrived and then ${formatCell(b.latencyWarmupMs / 1000)} s more at that rate.`,
    "   Measured from the producer's clock just before the POST to the stamp the queue handler takes on entry (performance.timeOrigin + performance.now() in both processes: one wall clock); the handler acks, returns, and only then reports its stamps to the bench (ctx.waitUntil, the calls of 50 ms in one POST), so the report is on no measured path. The record's timestamp (whole ms, set as the bus took it) splits off the consuming half.",
    `throughput: ${formatCell(b.throughputRecords)} records (${formatCell(b.throughputRecordsOnMock)} on the mock, which keeps at most 5 MiB per partition) of ${formatCell(b.recordBytes)} bytes (JSON) over ${formatCell(b.throughputKeys)} keys pre-published, then a trigger from the earliest offset (ordering key, batchSize ${b.throughputBatchSize}, one drain per maxInFlight: calls in flight per partition, each on a topic of its own) to the queue handler, which acks each batch; events/s = records / (first call entered → last call returned, the probe's stamps). The engine commits after the answer.`,
    '   On the mock cluster the triggers consume with kafkajs at a fetch wait of 100 ms (the Kafka TopicBus default), and the mock holds an empty Fetch for the whole wait: that bounds how late a record is seen there.',
  ];
  for (const run of r.runs) if (run.failed) lines.push(`${run.bus}: FAILED at ${run.failed}`);
  if (r.skipped) lines.push(`Kafka column missing: ${r.skipped}`);
  return lines.join('\n');
}

export function sandboxReport(r: SandboxBenchResult): string {
  const row = (p: SandboxBenchResult['paths'][number]): Cell[] => [
    p.pool ? 'warm pool (size 2)' : 'spawn (TIDE_WARM_POOL=0)',
    p.none.count,
    p.none.p50,
    p.none.p99,
    p.bwrap.p50,
    p.bwrap.p99,
    p.bwrap.p50 - p.none.p50,
    p.bwrap.p99 - p.none.p99,
    p.medianDifferenceMs,
    p.pool ? `added < ${TARGETS.sandboxAddedPoolP50Ms} (${meets(p.medianDifferenceMs, TARGETS.sandboxAddedPoolP50Ms)})` : '-',
  ];
  const lines = [
    renderTable(
      `12. Sandbox cost: cold start → first byte without and with --sandbox bwrap (${COLD_START_BENCH.functions} starts per column, alternating between two fresh tide ups, ${COLD_START_BENCH.settleMs} ms apart)`,
      ['start from', 'starts', 'none p50', 'none p99', 'bwrap p50', 'bwrap p99', 'added p50', 'added p99', 'median paired added', 'target ms'],
      r.paths.map(row),
    ),
  ];
  if (r.skipped) lines.push(`not measured: this machine cannot sandbox (${r.skipped})`);
  if (r.agent) {
    const agentRow = (p: AgentSandboxPath): Cell[] => [
      p.pool ? 'warm pool (size 1)' : 'spawn (no pool)',
      p.none.count,
      p.none.p50,
      p.none.p99,
      p.bwrap.p50,
      p.bwrap.p99,
      p.bwrap.p50 - p.none.p50,
      p.bwrap.p99 - p.none.p99,
      p.medianDifferenceMs,
      p.pool ? `added < ${TARGETS.sandboxAddedPoolP50Ms} (${meets(p.medianDifferenceMs, TARGETS.sandboxAddedPoolP50Ms)})` : '-',
    ];
    lines.push(
      '',
      renderTable(
        `12. (in the agent) the same starts from the agent being told to run the pod to its first response: two agents in one process, alternating, ${AGENT_SANDBOX_BENCH.settleMs} ms apart`,
        ['start from', 'starts', 'none p50', 'none p99', 'bwrap p50', 'bwrap p99', 'added p50', 'added p99', 'median paired added', 'target ms'],
        r.agent.paths.map(agentRow),
      ),
    );
    if (r.agent.skipped) lines.push(`not measured in the agent: ${r.agent.skipped}`);
  }
  return lines.join('\n');
}
