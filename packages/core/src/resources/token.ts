import { z } from 'zod';
import { API_VERSION, dnsLabel, ObjectMeta, ObjectMetaInput } from './meta.js';

/**
 * What a person's token may do, in the namespaces it names ("*" = every namespace, and the
 * cluster-scoped kinds: nodes, namespaces, tokens, quotas):
 * - admin: everything;
 * - developer: functions, triggers, secrets, artifacts, topics, activations and logs; reads the rest;
 * - viewer: reads (not secrets, and function env values redacted);
 * - invoker: calls functions whose `access` is `token`, nothing on the API.
 */
export const USER_ROLES = ['admin', 'developer', 'viewer', 'invoker'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const ALL_NAMESPACES = '*';

export const RoleBinding = z
  .object({
    role: z.enum(USER_ROLES),
    /** Namespaces the role holds in; ["*"] = all of them and the cluster-scoped kinds. */
    namespaces: z
      .array(z.union([dnsLabel, z.literal(ALL_NAMESPACES)]))
      .min(1)
      .max(100),
  })
  .strict();
export type RoleBinding = z.infer<typeof RoleBinding>;

/**
 * Who a token speaks for. A person (`user`, with roles), or one of Tide's own components, which
 * are never given user roles: a node (bound to one node name, as a kubelet's credential), a
 * gateway, a triggers process, or a node's bootstrap token, good only for joining (kubeadm join).
 */
export const TokenSubject = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), roles: z.array(RoleBinding).min(1).max(20) }).strict(),
  z.object({ kind: z.literal('node'), node: dnsLabel }).strict(),
  z.object({ kind: z.literal('gateway') }).strict(),
  z.object({ kind: z.literal('triggers') }).strict(),
  z.object({ kind: z.literal('node-bootstrap') }).strict(),
]);
export type TokenSubject = z.infer<typeof TokenSubject>;
export type TokenKind = TokenSubject['kind'];

export const TokenSpec = z
  .object({
    subject: TokenSubject,
    /** ISO 8601; absent = until revoked. */
    expiresAt: z.string().datetime({ offset: true }).optional(),
    description: z.string().max(1024).optional(),
  })
  .strict();
export type TokenSpec = z.infer<typeof TokenSpec>;

/** What `tide token create` / POST .../tokens sends: the secret is made by the server, shown once. */
export const TokenManifest = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Token'),
    metadata: ObjectMetaInput,
    spec: TokenSpec,
  })
  .strict();
export type TokenManifest = z.infer<typeof TokenManifest>;

/** A token as the fold keeps it: the sha256 of its secret (hex), never the secret. */
export const Token = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Token'),
  metadata: ObjectMeta,
  spec: TokenSpec,
  secretHash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type Token = z.infer<typeof Token>;
