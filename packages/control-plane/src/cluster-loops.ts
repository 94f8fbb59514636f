import { createBatchGate, type Pod, type StateStore } from '@tide/core';
import type { EventLog } from '@tide/log';
import { startLeaderElection, startNodeLifecycle, startRevisionController } from '@tide/controllers';
import { defaultPlugins, startScheduler } from '@tide/scheduler';
import { startAutoscaler } from '@tide/autoscaler';
import { bindingsAhead, wakeBatch } from './wake-batch.js';

export interface ClusterLoops {
  stop(): Promise<void>;
}

/**
 * The loops that act on the cluster — revision controller, scheduler, autoscaler, node lifecycle —
 * acting only while this process leads (an election through the log, so any number of control
 * planes may run them; one acts, and a deposed one's writes are rejected by the fold).
 */
export async function startClusterLoops(options: {
  store: StateStore;
  log: EventLog;
  nodeGraceSeconds: number;
  holder: string;
  onError: (error: Error) => void;
  onUnschedulable: (pod: Pod, reasons: string[]) => void;
  onLeadership: (leading: boolean, epoch: number) => void;
}): Promise<ClusterLoops> {
  const { store, log, onError } = options;
  const graceMs = options.nodeGraceSeconds * 1000;
  const election = await startLeaderElection({
    store,
    leases: log,
    role: 'controllers',
    holder: options.holder,
    graceMs,
    onError,
    onChange: options.onLeadership,
  });
  const leader = election.current;
  // A wake from zero, and a deploy's pods with their bindings, go as one batch (wake-batch.ts); the loops they stand for wait while it is judged.
  const gate = createBatchGate();
  const loops = [
    startRevisionController(store, { onError, leader, gate, followOn: bindingsAhead({ plugins: defaultPlugins }) }),
    startScheduler(store, { onError, leader, gate, plugins: defaultPlugins, onUnschedulable: options.onUnschedulable }),
  ];
  const autoscaler = await startAutoscaler({ store, metrics: log, onError, leader, gate, wakeFromZero: wakeBatch({ plugins: defaultPlugins }) });
  const lifecycle = await startNodeLifecycle({ store, leases: log, graceMs, onError, leader });
  return {
    async stop() {
      await autoscaler.stop();
      await lifecycle.stop();
      await Promise.all(loops.map((l) => l.stop()));
      await election.stop();
    },
  };
}

/** What a control plane says when it starts or stops leading the cluster's controllers. */
export function describeLeadership(leading: boolean, epoch: number): string {
  if (leading) return `leading the cluster (epoch ${epoch})`;
  return epoch === 0 ? 'not leading (no leader elected yet)' : `not leading (epoch ${epoch} is another's)`;
}
