import { SECONDS_BUCKETS } from '@tide/process';
import type { Counter, Histogram, Meter } from '@opentelemetry/api';

/** The cron engine's instruments (served at the triggers process's /metrics), by namespace and trigger. */
export interface CronInstruments {
  fired: Counter;
  skipped: Counter;
  failures: Counter;
  /** CronFired appends the fold refused: another process, or an earlier life of this one, fired the tick. */
  conflicts: Counter;
  fireDelay: Histogram;
}

export function cronInstruments(meter: Meter): CronInstruments {
  return {
    fired: meter.createCounter('tide_cron_fired_total', { description: 'Cron ticks fired (CronFired appended and accepted), by trigger and late' }),
    skipped: meter.createCounter('tide_cron_skipped_total', { description: 'Cron ticks recorded as skipped (CronSkipped), by trigger and cause' }),
    failures: meter.createCounter('tide_cron_failures_total', { description: 'Fired cron ticks whose call failed after its retries, by trigger' }),
    conflicts: meter.createCounter('tide_cron_fire_conflicts_total', {
      description: 'Ticks this process went to fire that were already fired (by another process or before a restart): not called',
    }),
    fireDelay: meter.createHistogram('tide_cron_fire_delay_seconds', {
      description: 'From a tick to the start of its call',
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    }),
  };
}
