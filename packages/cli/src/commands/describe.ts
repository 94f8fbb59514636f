import { secretKeyRefsOf, type FunctionEnv, type Pod, type TideFunction } from '@tide/core';
import type { ApiClient } from '../api-client.js';
import { age, table } from '../format.js';
import { collectionPath, functionPath } from '../paths.js';
import { listAll } from '../list-all.js';
import { functionPodChains } from './explain.js';

/** `tide describe function <name>`: what it runs, why it has the pods it has, and how they are doing. */
export async function describeFunction(api: ApiClient, namespace: string, name: string): Promise<string> {
  const fn = await api.ok<TideFunction>('GET', functionPath(namespace, name));
  const pods = (await listAll<Pod>(api, `${collectionPath('pods', namespace)}?labelSelector=tide.dev/function=${encodeURIComponent(name)}`)).items;
  const { spec, status, metadata } = fn;
  const ready = pods.filter((p) => p.status.phase === 'Ready').length;
  const lines = [
    `Name:             ${metadata.name}`,
    `Namespace:        ${metadata.namespace}`,
    `Created:          ${metadata.creationTimestamp} (${age(metadata.creationTimestamp)} ago)`,
    `Resource version: ${metadata.resourceVersion}`,
    `Latest revision:  ${status.latestRevision} (${status.revisionCount} in all)`,
    `Artifact:         ${spec.source.artifact}`,
    `Resources:        ${spec.resources.memoryMb} MB, ${spec.resources.cpuMilli}m CPU; concurrency ${spec.concurrency}; timeout ${spec.timeoutSeconds}s`,
    `Scale:            min ${spec.scale.min}, max ${spec.scale.max}, target ${spec.scale.target} ${spec.scale.metric}, to zero after ${spec.scale.scaleToZeroAfterSeconds}s idle`,
    `Replicas:         ${status.desiredReplicas} desired, ${ready} ready, ${pods.length} pods`,
  ];
  if (Object.keys(spec.env).length) lines.push(`Env:              ${envNames(spec.env)}`);
  if (spec.envFrom?.length) lines.push(`Env from:         ${spec.envFrom.map((ref) => `secret/${ref.secretRef}`).join(', ')}`);
  const failing = pods.filter((p) => p.status.phase === 'Exited' || (p.status.restartCount > 0 && p.status.phase !== 'Ready'));
  if (failing.length)
    lines.push(`Failing:          ${failing.map((p) => `${p.metadata.name}: ${p.status.reason ?? 'exited'} (restarts ${p.status.restartCount})`).join('; ')}`);
  lines.push('', 'Pods:');
  lines.push(
    pods.length
      ? indent(
          table(
            ['NAME', 'REVISION', 'PHASE', 'RESTARTS', 'NODE', 'REASON'],
            pods.map((p) => [p.metadata.name, p.spec.revision, p.status.phase, String(p.status.restartCount), p.spec.node ?? '<none>', p.status.reason ?? '']),
          ),
        )
      : '  (none)',
  );
  lines.push('', 'Scale decisions (newest last):');
  lines.push(
    status.recentScales.length
      ? indent(
          table(
            ['WHEN', 'FROM', 'TO', 'WHY'],
            status.recentScales.map((s) => [`${age(s.time)} ago`, String(s.from), String(s.to), s.reason]),
          ),
        )
      : '  (none yet)',
  );
  const chains = await functionPodChains(api, namespace, name);
  lines.push('', 'Why its pods are as they are (newest pods, oldest event first; tide explain pod <name> for one):');
  lines.push(chains.length ? chains.map(indent).join('\n\n') : '  (no pods)');
  return lines.join('\n');
}

/** Variable names, sorted; one from a secret says which key (`DB_PASSWORD <- secret/db:PASSWORD`), never a value. */
export function envNames(env: FunctionEnv): string {
  const refs = new Map(secretKeyRefsOf(env).map((ref) => [ref.env, ref]));
  return Object.keys(env)
    .sort()
    .map((name) => {
      const ref = refs.get(name);
      return ref ? `${name} <- secret/${ref.secret}:${ref.key}${ref.optional ? ' (optional)' : ''}` : name;
    })
    .join(', ');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
