import { serverArgs } from './haproxy-config.js';
import type { IngressBackend, IngressModel } from './ingress-model.js';

/** What to do to bring haproxy from the model it holds to the one wanted. */
export type RuntimePlan =
  /** The set of backends (or one's limits) changed: a new configuration and a reload (no call is dropped). */
  | { kind: 'reload'; reason: string }
  /** Everything else is changed in place through the runtime API, in this order. */
  | { kind: 'commands'; commands: readonly string[]; retiring: readonly string[] };

/**
 * The runtime API's commands from `held` to `wanted`: pods come and go with `add server` (created in
 * maintenance, then made ready) and `set server … state maint` (no new requests; `del server`
 * follows once its connections are gone, see `retiring`); a pod's new concurrency is `set maxconn
 * server`; a split or a tag that moved is `set map`/`add map`/`del map`. Only a backend added or
 * taken away (a revision deployed or gone) needs a reload.
 */
export function runtimePlan(held: IngressModel | undefined, wanted: IngressModel, files: { routes: string; hosts: string }): RuntimePlan {
  if (held === undefined) return { kind: 'reload', reason: 'first start' };
  const changed = backendSetChange(held.backends, wanted.backends);
  if (changed !== undefined) return { kind: 'reload', reason: changed };
  const commands: string[] = [];
  // Pods leaving go out of service last: new pods and the routes to them are in place first.
  const leaving: string[] = [];
  const retiring: string[] = [];
  for (const backend of wanted.backends.values()) {
    const before = new Map(held.backends.get(backend.name)!.servers.map((s) => [s.name, s]));
    for (const server of backend.servers) {
      const old = before.get(server.name);
      before.delete(server.name);
      const id = `${backend.name}/${server.name}`;
      if (old === undefined || old.host !== server.host || old.port !== server.port) {
        if (old !== undefined) commands.push(`set server ${id} state maint`, `del server ${id}`);
        commands.push(`add server ${backend.name}/${serverArgs(server)}`, `enable health ${id}`, `set server ${id} state ready`);
      } else if (old.maxconn !== server.maxconn) commands.push(`set maxconn server ${id} ${server.maxconn}`);
    }
    for (const gone of before.values()) {
      leaving.push(`set server ${backend.name}/${gone.name} state maint`);
      retiring.push(`${backend.name}/${gone.name}`);
    }
  }
  commands.push(...mapCommands(files.routes, held.routes, wanted.routes), ...mapCommands(files.hosts, held.hosts, wanted.hosts), ...leaving);
  return { kind: 'commands', commands, retiring };
}

function backendSetChange(held: ReadonlyMap<string, IngressBackend>, wanted: ReadonlyMap<string, IngressBackend>): string | undefined {
  for (const name of wanted.keys()) if (!held.has(name)) return `backend ${name} added`;
  for (const [name, backend] of held) {
    const now = wanted.get(name);
    if (now === undefined) return `backend ${name} removed`;
    if (!sameSettings(backend, now)) return `backend ${name} changed its limits or timeouts`;
  }
  return undefined;
}

function sameSettings(a: IngressBackend, b: IngressBackend): boolean {
  return (
    a.requestBodyBytes === b.requestBodyBytes &&
    a.responseBodyBytes === b.responseBodyBytes &&
    a.serverTimeoutMs === b.serverTimeoutMs &&
    a.queueTimeoutMs === b.queueTimeoutMs
  );
}

function mapCommands(file: string, held: ReadonlyMap<string, string>, wanted: ReadonlyMap<string, string>): string[] {
  const commands: string[] = [];
  for (const [key, value] of wanted) {
    const old = held.get(key);
    if (old === undefined) commands.push(`add map ${file} ${key} ${value}`);
    else if (old !== value) commands.push(`set map ${file} ${key} ${value}`);
  }
  for (const key of held.keys()) if (!wanted.has(key)) commands.push(`del map ${file} ${key}`);
  return commands;
}
