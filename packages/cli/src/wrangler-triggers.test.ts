import { describe, expect, it } from 'vitest';
import { readWranglerToml } from './wrangler-toml.js';
import { triggerManifestsOf } from './wrangler-triggers.js';
import { parseJsonc } from './wrangler-config.js';

const toml = `name = "reserve" # the worker
main = "src/index.ts"

[triggers]
crons = [
  "*/5 * * * *", # every five minutes
  "0 3 * * mon",
]

[[queues.consumers]]
queue = "reservations"
max_batch_size = 25
max_retries = 5
dead_letter_queue = "reservations-dlq"
retry_delay = 2

[[queues.consumers]]
queue = 'Audit_Log'

[vars]
GREETING = "a # that is not a comment"
`;

describe('wrangler.toml, the part Tide reads', () => {
  it('reads tables, arrays of tables and arrays over several lines, with comments', () => {
    expect(readWranglerToml(toml, 'wrangler.toml')).toEqual({
      name: 'reserve',
      main: 'src/index.ts',
      triggers: { crons: ['*/5 * * * *', '0 3 * * mon'] },
      queues: {
        consumers: [
          { queue: 'reservations', max_batch_size: 25, max_retries: 5, dead_letter_queue: 'reservations-dlq', retry_delay: 2 },
          { queue: 'Audit_Log' },
        ],
      },
      vars: { GREETING: 'a # that is not a comment' },
    });
  });

  it('names the line it cannot read', () => {
    expect(() => readWranglerToml('name = "x"\nthis is not toml\n', 'wrangler.toml')).toThrow(/wrangler\.toml: line 2 is not TOML/);
  });
});

describe('the Triggers a wrangler config asks for', () => {
  it('makes a cron Trigger per schedule and a kafka Trigger per queue consumer, calling the handlers, labelled as wrangler-managed', () => {
    const manifests = triggerManifestsOf(readWranglerToml(toml, 'wrangler.toml'), 'reserve', 'wrangler.toml');
    expect(manifests.map((m) => m.metadata.name)).toEqual(['reserve-cron-1', 'reserve-cron-2', 'reserve-queue-reservations', 'reserve-queue-audit-log']);
    for (const m of manifests) {
      expect(m.metadata.labels).toEqual({ 'tide.dev/managed-by': 'wrangler', 'tide.dev/function': 'reserve' });
      expect(m.spec).toMatchObject({ function: 'reserve', delivery: 'handler' });
    }
    expect(manifests[1]!.spec.cron).toMatchObject({ schedule: '0 3 * * mon', timeZone: 'UTC' });
    expect(manifests[2]!.spec.kafka).toMatchObject({
      topics: ['reservations'],
      batchSize: 25,
      maxRetries: 5,
      deadLetterTopic: 'reservations-dlq',
      backoff: { initialMs: 2000, maxMs: 2000, multiplier: 1 },
    });
    expect(manifests[3]!.spec.kafka).toMatchObject({ topics: ['Audit_Log'], batchSize: 10, maxRetries: 3 });
  });

  it('reads the same from wrangler.jsonc', () => {
    const jsonc = '{ "name": "r", "triggers": { "crons": ["0 * * * *"] }, "queues": { "consumers": [{ "queue": "q", "max_batch_size": 3 }] } }';
    const manifests = triggerManifestsOf(parseJsonc(jsonc, 'wrangler.jsonc'), 'r', 'wrangler.jsonc');
    expect(manifests.map((m) => [m.metadata.name, m.spec.cron?.schedule ?? m.spec.kafka?.batchSize])).toEqual([
      ['r-cron-1', '0 * * * *'],
      ['r-queue-q', 3],
    ]);
  });

  it('asks for nothing when the config names no crons and no consumers', () => {
    expect(triggerManifestsOf({ name: 'r', main: 'x.ts' }, 'r', 'wrangler.toml')).toEqual([]);
  });

  it('refuses a bad schedule, naming the file and the entry', () => {
    expect(() => triggerManifestsOf({ triggers: { crons: ['0 3 * * *', '61 * * * *'] } }, 'r', 'wrangler.toml')).toThrow(
      /wrangler\.toml: triggers\.crons\[1\] "61 \* \* \* \*": spec\.cron\.schedule: schedule "61 \* \* \* \*" is not a cron schedule/,
    );
  });

  it('says every problem of a schedule, not only the first', () => {
    expect(() => triggerManifestsOf({ triggers: { crons: ['0 3 * *'] } }, 'r', 'wrangler.toml')).toThrow(
      /spec\.cron\.schedule: schedule "0 3 \* \*" has 4 fields: give five/,
    );
  });

  it('refuses a consumer without a queue, or on a platform topic', () => {
    expect(() => triggerManifestsOf({ queues: { consumers: [{ max_retries: 1 }] } }, 'r', 'wrangler.toml')).toThrow(/queues\.consumers\[0\] has no queue name/);
    expect(() => triggerManifestsOf({ queues: { consumers: [{ queue: 'tide.state' }] } }, 'r', 'wrangler.toml')).toThrow(
      /queues\.consumers\[0\] \(queue "tide\.state"\): spec\.kafka\.topics\.0/,
    );
  });

  it('keeps a long function name within a DNS label', () => {
    const [m] = triggerManifestsOf({ triggers: { crons: ['* * * * *'] } }, 'a'.repeat(63), 'wrangler.toml');
    expect(m!.metadata.name).toBe(`${'a'.repeat(56)}-cron-1`);
  });
});
