import { type Context, Hono } from 'hono';
import { actorOf, dnsLabel, newTokenSecret, type Principal, type EventInput, type StateStore } from '@tide/core';
import { ApiError, rejectionError } from '../errors.js';
import { IN_PROCESS } from '../auth/context.js';

/** Token names are DNS labels too: `node-` leaves a node name 58 characters. */
const MAX_NODE_NAME = 63 - 'node-'.length;
const MAX_ATTEMPTS = 5;

/** The name of the token a node holds after joining. */
export const nodeTokenName = (node: string): string => `node-${node}`;

/**
 * `POST /nodes/{name}/join`, as `kubeadm join`: a node presenting the cluster's bootstrap token gets
 * a credential of its own, good for that node name only (the fold lets it report its own
 * registration and the pods bound to it, nothing else). A re-join (a node whose data directory
 * was wiped) revokes the node's previous token in the same append, so one node name has one
 * working credential. The secret is in the answer only; the log keeps its sha256.
 */
export function nodeJoinRoutes(deps: { store: StateStore }) {
  const app = new Hono();
  app.post('/:name/join', async (c) => {
    const principal = principalOf(c);
    // The middleware's table already allows only bootstrap tokens here; said again where the credential is made.
    if (principal.kind !== 'node-bootstrap' && principal.kind !== 'control-plane')
      throw new ApiError(403, 'Forbidden', `${principal.kind} ${principal.name} may not join nodes: a node joins with the bootstrap token`);
    const node = c.req.param('name');
    const parsed = dnsLabel.max(MAX_NODE_NAME, `must be at most ${MAX_NODE_NAME} characters`).safeParse(node);
    if (!parsed.success)
      throw new ApiError(422, 'Invalid', `node name "${node.slice(0, 80)}": ${parsed.error.issues[0]!.message}`, [
        { field: 'metadata.name', message: parsed.error.issues[0]!.message },
      ]);
    const token = await issueNodeToken(deps.store, node, principal);
    return c.json({ apiVersion: 'tide.dev/v1', kind: 'NodeCredential', node, tokenName: nodeTokenName(node), token }, 201);
  });
  return app;
}

function principalOf(c: Context): Principal {
  return c.get('principal') ?? IN_PROCESS;
}

/** A node's credential, made (and its previous one revoked) in one append: the join route's, and `tide up`'s for its own node. */
export async function issueNodeToken(store: StateStore, node: string, principal: Principal): Promise<string> {
  const name = nodeTokenName(node);
  for (let attempt = 1; ; attempt++) {
    const previous = store.state().tokens.get(name);
    if (previous && previous.spec.subject.kind !== 'node')
      throw new ApiError(409, 'Conflict', `token ${name} exists and is not a node's: revoke it, or join under another node name`);
    const { token, secretHash } = newTokenSecret(name);
    const actor = actorOf(principal);
    const events: EventInput[] = [
      ...(previous ? [{ type: 'TokenRevoked' as const, data: { name }, actor }] : []),
      {
        type: 'TokenCreated',
        data: { name, spec: { subject: { kind: 'node', node }, description: `node ${node}, joined with the bootstrap token` }, secretHash },
        actor,
      },
    ];
    const results = await store.append(events);
    const created = results[results.length - 1]!;
    if (created.verdict.accepted) return token;
    // Another join of the same node came between: try again on what it left.
    const lostRace = created.verdict.code === 'already-exists' || created.verdict.code === 'not-found';
    if (!lostRace || attempt >= MAX_ATTEMPTS) throw rejectionError(created.verdict.code, `joining node ${node}: ${created.verdict.reason}`);
  }
}
