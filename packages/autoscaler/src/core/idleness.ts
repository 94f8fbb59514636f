import type { AutoscalerSpec } from './autoscaler-spec.js';
import { averageConcurrency, inFlightAt, type MetricWindow } from './metric-window.js';

export interface Idleness {
  /** True once nothing happened for scaleToZeroAfterMs: the only way to reach zero pods. */
  readonly idle: boolean;
  /** Since the last request or activation; Infinity if neither was ever seen. */
  readonly idleMs: number;
}

/**
 * Idle = no request arrived and none was in flight for scaleToZeroAfterMs, nobody is waiting, no
 * gateway's last report says requests are still in flight (reports may run late), and
 * the pods have existed that long (activeSince), so a function just woken up is not put back to
 * sleep before its first request is recorded.
 *
 * In-flight is checked over the idle span itself rather than the stable window: with the defaults
 * (60 s stable, 30 s to zero) the stable window would keep pods for 60 s, not the 30 s the user set.
 */
export function idleness(spec: AutoscalerSpec, window: MetricWindow, activeSince: number | undefined, waiting: number, now: number, lagging = false): Idleness {
  const lastActivity = Math.max(window.lastRequestAt ?? -Infinity, activeSince ?? -Infinity);
  const idleMs = now - lastActivity;
  // Records waiting on a trigger are work to do, as requests waiting at a gateway are.
  const quiet = !lagging && waiting === 0 && !inFlightAt(window, now) && averageConcurrency(window, now, spec.scaleToZeroAfterMs) === 0;
  return { idle: quiet && idleMs >= spec.scaleToZeroAfterMs, idleMs };
}
