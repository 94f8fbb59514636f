import { z } from 'zod';
import { API_VERSION, type ObjectMeta } from './meta.js';
import type { RevisionTemplate } from './function.js';

/**
 * Pending → Bound → Starting → Ready; Exited while waiting to restart; Terminating once deletion is
 * requested; the object is removed when its node reports it stopped.
 */
export const PodPhase = z.enum(['Pending', 'Bound', 'Starting', 'Ready', 'Exited', 'Terminating']);
export type PodPhase = z.infer<typeof PodPhase>;

export interface PodSpec extends RevisionTemplate {
  function: string;
  revision: string;
  node?: string;
  terminationGraceSeconds: number;
}

export interface PodStatus {
  phase: PodPhase;
  endpoint?: string;
  reason?: string;
  restartCount: number;
  exitCode?: number | null;
  nextRestartAt?: number;
  /** The node incarnation (boot id) whose agent last reported this pod. */
  nodeBootId?: string;
}

export interface Pod {
  apiVersion: typeof API_VERSION;
  kind: 'Pod';
  metadata: ObjectMeta & { namespace: string; deletionTimestamp?: string };
  spec: PodSpec;
  status: PodStatus;
}

export interface NodeCapacity {
  memoryMb: number;
  cpuMilli: number;
  pods: number;
}

export interface TideNode {
  apiVersion: typeof API_VERSION;
  kind: 'Node';
  metadata: ObjectMeta;
  spec: { capacity: NodeCapacity; address: string };
  status: { ready: boolean; bootId: string };
}
