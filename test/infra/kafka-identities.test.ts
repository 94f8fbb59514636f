import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { findRepoRoot } from '../support/repo-root.js';

/**
 * Component identity on Kafka (issue 12): each kind of Tide component is its own SASL user,
 * allowed only its own topics, and no broker listener lets an unauthenticated client in. The
 * stacks cannot run here (no container engine), so this reads the files: every component's
 * user is named where it runs, created by the init script, and given the ACLs the log API's
 * topic rights give it (packages/control-plane/src/core/log-topic-rights.ts).
 */
const root = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, checked field by field
type Yaml = any;
const docs = (rel: string): Yaml[] =>
  parseAllDocuments(readFileSync(join(root, rel), 'utf8'), { merge: true }).map((d) => d.toJS({ maxAliasCount: -1 }) as Yaml);

const KINDS = ['control-plane', 'gateway', 'triggers', 'node'] as const;
/** What each kind writes, as the log API allows it (reading tide.* is every kind's). */
const WRITES: Record<Exclude<(typeof KINDS)[number], 'control-plane'>, string[]> = {
  node: ['tide.state', 'tide.leases', 'tide.logs', 'tide.metrics', 'tide.kv'],
  gateway: ['tide.metrics', 'tide.invocations'],
  triggers: ['*'],
};

/** The problems of one ACL script: a user per kind, and each kind's Write ACL naming exactly its topics. */
function scriptProblems(where: string, script: string): string[] {
  const lines = script.split('\n');
  const problems: string[] = [];
  for (const kind of KINDS) {
    if (!lines.some((l) => l.includes(`--entity-name tide-${kind} `) && l.includes('SCRAM-SHA-512=[password=')))
      problems.push(`${where}: creates no SCRAM user tide-${kind}`);
    if (kind === 'control-plane') continue;
    const write = lines.find((l) => l.includes(`--allow-principal User:tide-${kind} `) && l.includes('--operation Write'));
    const topics = [...(write ?? '').matchAll(/--topic\s+'?([^\s']+)'?/g)].map((m) => m[1]).sort();
    if (JSON.stringify(topics) !== JSON.stringify([...WRITES[kind]].sort()))
      problems.push(`${where}: tide-${kind} may write ${topics.join(', ') || 'nothing'}, expected ${WRITES[kind].join(', ')}`);
  }
  if (!lines.some((l) => l.includes('--deny-principal User:tide-triggers') && l.includes('tide.kv') && l.includes('tide.artifacts')))
    problems.push(`${where}: the triggers user, granted every topic for namespaces' topics, is not denied the platform topics it must not write`);
  return problems;
}

describe('Kafka identities in infra/', () => {
  it('compose: brokers take no unauthenticated client and deny what no ACL grants; each component runs as its own user', () => {
    const compose = docs('infra/compose/compose.yaml')[0];
    const services = Object.entries(compose.services as Record<string, Yaml>);
    const problems: string[] = [];
    for (const [name, spec] of services.filter(([, s]) => s.environment?.KAFKA_PROCESS_ROLES)) {
      const env = spec.environment;
      const protocols = String(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).split(',');
      for (const p of protocols.filter((p) => !p.endsWith(':SASL_PLAINTEXT') && !p.endsWith(':SASL_SSL')))
        problems.push(`broker ${name}: listener ${p} takes clients without SASL`);
      if (env.KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND !== 'false') problems.push(`broker ${name}: allow.everyone.if.no.acl.found is not false`);
      if (!String(env.KAFKA_AUTHORIZER_CLASS_NAME).endsWith('StandardAuthorizer')) problems.push(`broker ${name}: no ACL authorizer`);
    }
    for (const [name, spec] of services.filter(([, s]) => s.image === 'tide:dev')) {
      const kind = String(spec.command[0]);
      const env = spec.environment ?? {};
      if (env.TIDE_KAFKA_SASL_USERNAME !== `tide-${kind}`)
        problems.push(`service ${name} (tide ${kind}) runs as Kafka user ${env.TIDE_KAFKA_SASL_USERNAME}, expected tide-${kind}`);
      if (env.TIDE_KAFKA_SASL_MECHANISM !== 'scram-sha-512' || !env.TIDE_KAFKA_SASL_PASSWORD) problems.push(`service ${name}: no SCRAM credentials`);
    }
    const init = services.find(([, s]) => JSON.stringify(s.command ?? '').includes('kafka-acls.sh'));
    if (!init) problems.push('no service writes ACLs (kafka-acls.sh)');
    else problems.push(...scriptProblems(`service ${init[0]}`, [init[1].command].flat().join('\n')));
    expect(problems).toEqual([]);
  });

  it('kubernetes: every workload names its own Kafka user and takes its password from the credentials Secret; the Job writes the users and ACLs', () => {
    const files = ['control-plane', 'gateway', 'triggers', 'node-agent'];
    const problems: string[] = [];
    for (const file of files) {
      const workload = docs(`infra/kubernetes/${file}.yaml`).find((d) => d?.kind === 'Deployment' || d?.kind === 'DaemonSet');
      const container = workload.spec.template.spec.containers[0];
      const kind = String(container.args[0]);
      const env = new Map<string, Yaml>((container.env ?? []).map((e: Yaml) => [e.name, e]));
      if (env.get('TIDE_KAFKA_SASL_USERNAME')?.value !== `tide-${kind}`) problems.push(`${file}.yaml: Kafka user is not tide-${kind}`);
      const secret = env.get('TIDE_KAFKA_SASL_PASSWORD')?.valueFrom?.secretKeyRef;
      if (secret?.name !== 'tide-kafka-credentials' || secret?.key !== kind) problems.push(`${file}.yaml: password not from tide-kafka-credentials/${kind}`);
    }
    const credentials = docs('infra/kubernetes/kafka-credentials.yaml');
    const secret = credentials.find((d) => d?.kind === 'Secret' && d.metadata.name === 'tide-kafka-credentials');
    for (const kind of KINDS) if (!secret?.stringData?.[kind]) problems.push(`kafka-credentials.yaml: the Secret has no password for ${kind}`);
    const job = credentials.find((d) => d?.kind === 'Job');
    if (!job) problems.push('kafka-credentials.yaml: no Job writes the users and ACLs');
    else problems.push(...scriptProblems('kafka-credentials.yaml Job', [job.spec.template.spec.containers[0].args].flat().join('\n')));
    const config = docs('infra/kubernetes/config.yaml')[0];
    if (config.data.TIDE_KAFKA_SASL_MECHANISM !== 'scram-sha-512') problems.push('config.yaml: TIDE_KAFKA_SASL_MECHANISM is not scram-sha-512');
    expect(problems).toEqual([]);
  });
});
