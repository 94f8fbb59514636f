import type { Principal } from '@tide/core';
import { BUS_TOPIC_PREFIX } from '@tide/topics';

/** What a component does with a topic through the log API. */
export type TopicOperation = 'read' | 'append' | 'commit';

export type TopicDecision = { allowed: true } | { allowed: false; reason: string };

const PLATFORM_PREFIX = 'tide.';
const isBus = (topic: string) => topic.startsWith(BUS_TOPIC_PREFIX);
const isPlatform = (topic: string) => topic.startsWith(PLATFORM_PREFIX);

/**
 * The topics each component appends to, found by reading what it really appends (grep `append(`
 * in its package): a node its registration and pod status (tide.state, judged again by the fold's
 * writer rules), its lease, its pods' output, load reports and KV writes; a gateway load reports
 * and async calls; a triggers process its cron ticks and leadership (tide.state, tide.leases),
 * its retry journal, async calls and activations, lag reports and the namespaces' topics (bus.*,
 * dead letters and queue sends).
 */
const APPENDS: Record<'node' | 'gateway' | 'triggers', (topic: string) => boolean> = {
  node: (topic) => ['tide.state', 'tide.leases', 'tide.logs', 'tide.metrics', 'tide.kv'].includes(topic),
  gateway: (topic) => ['tide.metrics', 'tide.invocations'].includes(topic),
  triggers: (topic) => isBus(topic) || ['tide.state', 'tide.leases', 'tide.triggers', 'tide.invocations', 'tide.activations', 'tide.metrics'].includes(topic),
};

/**
 * Whether a principal may read, append to or commit a consumer group's offset on a topic of the
 * raw log API. Every component reads the platform's own topics (they fold the state, follow
 * leases and KV); only the triggers process reads namespaces' topics (it delivers them) and
 * commits offsets. A person never uses this API: their changes come through the resource API.
 */
export function topicRight(principal: Principal, topic: string, operation: TopicOperation): TopicDecision {
  const refuse = (): TopicDecision => ({ allowed: false, reason: `${principal.kind} ${principal.name} may not ${operation} topic ${topic.slice(0, 80)}` });
  switch (principal.kind) {
    case 'control-plane':
      return { allowed: true };
    case 'user':
    case 'node-bootstrap':
      return refuse();
    case 'node':
    case 'gateway':
      if (operation === 'read') return isPlatform(topic) ? { allowed: true } : refuse();
      if (operation === 'append') return APPENDS[principal.kind](topic) ? { allowed: true } : refuse();
      return refuse();
    case 'triggers':
      if (operation === 'append') return APPENDS.triggers(topic) ? { allowed: true } : refuse();
      return isPlatform(topic) || isBus(topic) ? { allowed: true } : refuse();
  }
}
