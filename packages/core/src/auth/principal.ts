import type { RoleBinding, TokenKind } from '../resources/token.js';

/**
 * Who is asking, once a bearer token has been checked: a person with roles, one of Tide's
 * components, or (never from a token) a control plane acting on its own behalf.
 */
export type Principal =
  | { kind: 'user'; name: string; roles: readonly RoleBinding[] }
  | { kind: 'node'; name: string; node: string }
  | { kind: Exclude<TokenKind, 'user' | 'node'>; name: string }
  | { kind: 'control-plane'; name: string };

/**
 * The identity a component's appends are stamped with (record header WRITER_HEADER): what the
 * fold judges a writer's rights by. A node is known by its node name, others by their token's.
 */
export function writerOf(principal: Principal): string {
  return `${principal.kind}:${principal.kind === 'node' ? principal.node : principal.name}`;
}

/** Who caused an event, for `tide events` (the envelope's `actor`). */
export function actorOf(principal: Principal): string {
  return writerOf(principal);
}

/**
 * The record header that names who appended a record. The control plane sets it on every record
 * appended through its log API, replacing whatever the client sent; a process appending to the
 * log directly (Kafka, or the embedded log's owner) stamps its own. Absent = a control plane.
 */
export const WRITER_HEADER = 'tide-writer';

export type WriterKind = Principal['kind'];

export function parseWriter(writer: string | undefined): { kind: WriterKind; name: string } | undefined {
  if (writer === undefined) return { kind: 'control-plane', name: '' };
  const cut = writer.indexOf(':');
  const kind = writer.slice(0, cut) as WriterKind;
  if (cut <= 0 || !['user', 'node', 'gateway', 'triggers', 'node-bootstrap', 'control-plane'].includes(kind)) return undefined;
  return { kind, name: writer.slice(cut + 1) };
}
