export { createControlPlaneApp, API_PREFIX } from './app.js';
export {
  openArtifactStore,
  ArtifactTooLargeError,
  ArtifactCorruptError,
  ArtifactQuotaError,
  type ArtifactStore,
  type StoredArtifact,
} from './adapters/artifact-store.js';
export { artifactsToCollect, referencedArtifacts, startArtifactGc, DEFAULT_ARTIFACT_GRACE_MS, type ArtifactGcOptions } from './artifact-gc.js';
export { ApiError } from './errors.js';
export type { ControlPlaneDeps, ControlPlaneLog } from './deps.js';
export { replicateArtifacts, ARTIFACTS_TOPIC } from './adapters/replicated-artifacts.js';
export { observeClusterMetrics } from './cluster-metrics.js';
export { countFoldRejections } from './fold-metrics.js';
export { startControlPlane, API_LIMITS, type ControlPlaneOptions, type RunningControlPlane } from './start-control-plane.js';
export { issueNodeToken } from './routes/node-join.js';
export { ADMIN_TOKEN_FILE, BOOTSTRAP_TOKEN_FILE } from './auth/first-tokens.js';
export type { SecretKeySettings } from './secrets/secret-keyring.js';
export type { FunctionTopRow } from './core/function-top.js';
export type { NodeTopRow } from './core/node-top.js';
