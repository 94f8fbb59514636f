import type { PodBinding } from './core/pod-bindings.js';

/** What the agent needs to run one pod. A pod is immutable: a new spec means a new pod name. */
export interface PodRunSpec {
  /** Unique pod name, e.g. "hello-00001-x7k2p". */
  name: string;
  namespace: string;
  functionName: string;
  revision: string;
  /** Absolute path of the bundled .mjs. */
  artifactPath: string;
  env: Record<string, string>;
  memoryMb: number;
  /** Millicores its processes may use once Ready (cpuCeilingMilli: the CPU quota); absent = no limit. */
  cpuMilli?: number;
  /** Millicores it asked for (resources.cpuMilli): its weight against its neighbours once Ready; absent = its cpuMilli. */
  cpuRequestMilli?: number;
  timeoutSeconds: number;
  terminationGraceSeconds: number;
  /** The function's bindings (`{name: CACHE, kv: my-kv}`, `{name: Q, queue: topic}`): its pods may call these and no others. */
  bindings?: PodBinding[];
  /** HTTP probes of the function's own paths (the runtime's readiness probe always runs too). */
  probes?: { readiness?: ProbeSpec; liveness?: ProbeSpec };
}

export interface ProbeSpec {
  path: string;
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

/** How a pod's process came to be: an idle warm-pool process was assigned, or a new one was spawned. */
export type ColdStart = 'pool' | 'spawn';

export type PodPhase = 'Starting' | 'Ready' | 'Exited' | 'Stopped';

/** Sent on every change of a pod's observed state. */
export interface PodReport {
  pod: string;
  /** Stopped = stopped on purpose and gone. */
  phase: PodPhase;
  /** "http://127.0.0.1:PORT" when Ready. */
  endpoint?: string;
  pid?: number;
  exitCode?: number | null;
  signal?: string | null;
  /** e.g. "import failed: SyntaxError: ...", "exited with code 1", "OOM". */
  reason?: string;
  restartCount: number;
  /** Epoch ms, while waiting for back-off. */
  nextRestartAt?: number;
  /** Starting, Ready, Exited: how this start of the pod began (a cold start either way). */
  coldStart?: ColdStart;
  /** Ready only: ms from the agent starting this pod (its start or restart) to Ready. */
  startMs?: number;
  /** Ready only: ms the runtime took to import the function's module (within startMs). */
  importMs?: number;
}
