import type { IngressBackend, IngressModel } from './ingress-model.js';
import { freeSlot, slotName, type BackendSlots, type SlotTable } from './server-slots.js';

/** What haproxy holds: the model it was programmed with and which slot each pod has. */
export interface HeldState {
  model: IngressModel;
  slots: SlotTable;
}

/** What to do to bring haproxy from the state it holds to the model wanted. */
export type RuntimePlan =
  /** The set of backends changed (or one's settings, or a backend is out of slots): a new configuration and a reload, which drops no call. */
  | { kind: 'reload'; reason: string }
  /** Everything else is changed in place through the runtime API, in this order; `slots` is the table after. */
  | { kind: 'commands'; commands: readonly string[]; slots: SlotTable };

/**
 * The runtime API's commands from `held` to `wanted`: a pod that became ready takes a free slot
 * (`set server … addr`, `set maxconn server`, `state ready`); new routes go in (`set map`/`add
 * map`/`del map`); only then do pods that left go out of service (`state maint`), so a call never
 * finds its revision with no way to a pod. A revision deployed or gone needs a reload, and so does a
 * backend whose slots are all taken.
 */
export function runtimePlan(held: HeldState | undefined, wanted: IngressModel, files: { routes: string; hosts: string }): RuntimePlan {
  if (held === undefined) return { kind: 'reload', reason: 'first start' };
  const changed = backendSetChange(held.model.backends, wanted.backends);
  if (changed !== undefined) return { kind: 'reload', reason: changed };
  const commands: string[] = [];
  const leaving: string[] = [];
  const slots = new Map<string, BackendSlots>();
  for (const backend of wanted.backends.values()) {
    const before = new Map(held.model.backends.get(backend.name)!.servers.map((s) => [s.name, s]));
    const table = held.slots.backends.get(backend.name)!;
    const pods = new Map<string, number>();
    const taken = new Set<number>();
    for (const server of backend.servers) {
      const old = before.get(server.name);
      const slot = table.pods.get(server.name) ?? freeSlot(table, taken);
      if (slot === undefined)
        return { kind: 'reload', reason: `backend ${backend.name} has no free server slot (${table.count} slots, ${backend.servers.length} pods)` };
      taken.add(slot);
      pods.set(server.name, slot);
      const id = `${backend.name}/${slotName(slot)}`;
      if (old === undefined || old.host !== server.host || old.port !== server.port) {
        commands.push(`set server ${id} addr ${server.host} port ${server.port}`, `set maxconn server ${id} ${server.maxconn}`, `set server ${id} state ready`);
      } else if (old.maxconn !== server.maxconn) commands.push(`set maxconn server ${id} ${server.maxconn}`);
    }
    for (const [pod, slot] of table.pods) if (!pods.has(pod)) leaving.push(`set server ${backend.name}/${slotName(slot)} state maint`);
    slots.set(backend.name, { count: table.count, pods });
  }
  commands.push(...mapCommands(files.routes, held.model.routes, wanted.routes), ...mapCommands(files.hosts, held.model.hosts, wanted.hosts), ...leaving);
  return { kind: 'commands', commands, slots: { backends: slots } };
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
