import type { IngressBackend, IngressModel } from './ingress-model.js';
import { slotName, type BackendSlots, type SlotTable } from './server-slots.js';

export interface HaproxySettings {
  /** Where callers connect. */
  listen: { host: string; port: number };
  /**
   * Tide's own server (gateway and API): the default backend, and each revision's activator. A unix
   * `socket` gets the PROXY protocol (v2) naming the caller (Tide trusts it there alone); a TCP
   * address gets the caller in x-forwarded-for.
   */
  activator: { host: string; port: number } | { socket: string };
  /** Where the runtime API's socket and the map files live. */
  dir: string;
  /** Host routes' domain, normalized. */
  domain: string;
  /** haproxy threads (1: one core, as the bench's nginx has one worker). */
  threads: number;
}

/** The runtime API's socket (level admin; mode 600, in a directory only this user reads). */
export function adminSocketOf(settings: Pick<HaproxySettings, 'dir'>): string {
  return `${settings.dir}/admin.sock`;
}

/** Tide's own server's socket for haproxy alone, where every connection opens with a PROXY v2 header. */
export function tideSocketOf(settings: Pick<HaproxySettings, 'dir'>): string {
  return `${settings.dir}/tide.sock`;
}

/** The activator's socket, which restores a retried request's URI before it goes to Tide's server. */
export function activatorSocketOf(settings: Pick<HaproxySettings, 'dir'>): string {
  return `${settings.dir}/activator.sock`;
}

export function routesMapOf(settings: Pick<HaproxySettings, 'dir'>): string {
  return `${settings.dir}/routes.map`;
}

export function hostsMapOf(settings: Pick<HaproxySettings, 'dir'>): string {
  return `${settings.dir}/hosts.map`;
}

/** A map file's text: `key value` per line. */
export function mapFile(entries: ReadonlyMap<string, string>): string {
  let text = '';
  for (const [key, value] of entries) text += `${key} ${value}\n`;
  return text;
}

/**
 * haproxy's configuration for a model. The frontend finds a request's route (its Host, else
 * `/fn/<ns>/<name>[@tag]`) in the maps, picks one of the route's 100 buckets at random (the traffic
 * split) and uses that revision's backend; anything else — the API, /async, token functions,
 * Tide's components' calls, a function with no route — goes to Tide's own server. In a revision's
 * backend a request goes to the activator (Tide's gateway, unchanged, which holds it until a pod has
 * room) when no pod has a free slot (`be_conn_free`: none ready, or all at their maxconn) or when
 * its body is one haproxy cannot bound (chunked) or over the function's limit; otherwise it is
 * rewritten as the gateway would (prefix stripped, x-forwarded-*, Tide's bearer token and
 * tide-invoke dropped) and goes to the pod with the fewest connections.
 */
export function haproxyConfig(model: IngressModel, slots: SlotTable, settings: HaproxySettings): string {
  const { listen, activator, domain } = settings;
  const lines = [
    'global',
    `  nbthread ${settings.threads}`,
    `  stats socket ${adminSocketOf(settings)} mode 600 level admin expose-fd listeners`,
    '  stats timeout 1m',
    // Tide's limit on a request's header fields (its gateway answers 431 past 100); haproxy answers 400.
    '  tune.http.maxhdr 100',
    // After a reload the old process finishes its calls; none outlives this.
    '  hard-stop-after 5m',
    '',
    'defaults',
    '  mode http',
    // Only calls that failed are logged (to Tide's output): what the gateway would have answered with an error.
    '  log stderr format raw local0',
    '  option httplog',
    '  option dontlog-normal',
    // A reload (a revision deployed) must not cut a caller's idle keep-alive connection under a request
    // it is sending: the old process answers that request, with Connection: close, and only then closes.
    '  option idle-close-on-response',
    // A pod that refused the connection (gone a moment before its route was): another pod, as the gateway retries.
    '  retries 3',
    '  option redispatch 1',
    // A pooled connection the pod closed as it went away answers nothing: a request without a body
    // whose method is safe to repeat goes to another pod, as the gateway does; any other is not retried.
    '  retry-on conn-failure empty-response',
    '  timeout connect 5s',
    '  timeout client 5m',
    '  timeout http-request 60s',
    '  timeout http-keep-alive 60s',
    '  timeout server 1h',
    '  timeout tunnel 1h',
    '',
    'frontend tide',
    `  bind ${listen.host}:${listen.port}`,
    // Tide's components prove themselves to the gateway (tide-component-token): their calls go there whole.
    '  acl from_component req.hdr(tide-component-token) -m found',
    // A trailing dot (a fully qualified name) is cut only from a host that is a route's: a call by path pays no regex.
    '  http-request set-var(txn.host) req.hdr(host),field(1,:),lower',
    `  acl invocation_host var(txn.host) -m end .${domain} .${domain}.`,
    '  acl invocation_path path_beg /fn/',
    `  http-request set-var(txn.route) var(txn.host),regsub([.]$,),map(${hostsMapOf(settings)}) if invocation_host !from_component`,
    '  http-request set-var-fmt(txn.route) %[path,field(3,/)]/%[path,field(4,/)] if !invocation_host invocation_path !from_component',
    '  http-request set-var(txn.strip) bool(1) if !invocation_host invocation_path',
    '  http-request set-var-fmt(txn.key) %[var(txn.route)]/%[rand(100)] if { var(txn.route) -m found }',
    `  http-request set-var(txn.backend) var(txn.key),map(${routesMapOf(settings)}) if { var(txn.key) -m found }`,
    '  use_backend %[var(txn.backend)] if { var(txn.backend) -m found }',
    '  default_backend tide',
    '',
    // A revision's activator: a request a pod refused may be retried here after its path was
    // rewritten for the pod; the URI the caller sent comes back from x-tide-original-uri. Only haproxy
    // reaches this socket (its directory is the ingress's, mode 0700).
    'frontend activator',
    // The PROXY header from the revision's backend names the caller, as if it had connected here.
    `  bind unix@${activatorSocketOf(settings)} mode 600 accept-proxy`,
    '  http-request set-uri %[req.hdr(x-tide-original-uri)] if { req.hdr(x-tide-original-uri) -m found }',
    '  http-request del-header x-tide-original-uri',
    '  default_backend tide',
    '',
    'backend tide',
    ...tideServerLines(activator),
    '',
  ];
  for (const backend of model.backends.values()) lines.push(...backendLines(backend, slots.backends.get(backend.name), activatorSocketOf(settings)), '');
  return `${lines.join('\n')}\n`;
}

function backendLines(backend: IngressBackend, slots: BackendSlots | undefined, activatorSocket: string): string[] {
  return [
    `backend ${backend.name}`,
    '  balance leastconn',
    `  timeout server ${backend.serverTimeoutMs}ms`,
    `  timeout queue ${backend.queueTimeoutMs}ms`,
    '  acl activate var(txn.activate) -m bool',
    '  acl stripped var(txn.strip) -m bool',
    // One reading of be_conn_free per request, so the rewrite and the server chosen agree.
    `  http-request set-var(txn.activate) bool(1) if { be_conn_free lt 1 } || { req.hdr(transfer-encoding) -m found } || { req.hdr_val(content-length) gt ${backend.requestBodyBytes} }`,
    '  http-request set-header x-tide-original-uri %[url] if !activate',
    '  http-request set-path /%[path,field(5,/,0)] if !activate stripped',
    '  http-request set-header x-forwarded-prefix /fn/%[var(txn.route)] if !activate stripped',
    // A host route's app owns the whole path: nothing was stripped (the gateway sends it empty).
    '  http-request del-header x-forwarded-prefix if !activate !stripped',
    // The caller's address, appended as the gateway appends it (on the activator's way the gateway does).
    '  http-request add-header x-forwarded-for %[src] if !activate',
    '  http-request set-header x-forwarded-host %[req.hdr(host)] if !activate',
    '  http-request set-header x-forwarded-proto http if !activate',
    '  http-request del-header tide-invoke if !activate',
    '  http-request del-header proxy- -m beg if !activate',
    '  http-request del-header authorization if !activate { req.hdr(authorization) -m reg -i ^\\s*bearer\\s+tide_ }',
    '  http-request disable-l7-retry if !METH_GET !METH_HEAD !METH_OPTIONS || { req.hdr(content-length) -m found } || { req.hdr(transfer-encoding) -m found }',
    '  use-server activator if activate',
    // Only the gateway may mark an answer as its own (tide-error), and a declared body over the limit is a 502, as the gateway's.
    '  http-response del-header tide-error if !activate',
    `  http-response deny deny_status 502 if !activate !METH_HEAD { res.hdr_val(content-length) gt ${backend.responseBodyBytes} }`,
    `  server activator unix@${activatorSocket} backup send-proxy-v2`,
    ...serverLines(backend, slots),
  ];
}

/**
 * Tide's own server: through its unix socket with a PROXY v2 header naming the caller (the gateway
 * and the API then see the caller's address, for their per-address limits, and the gateway appends
 * it to x-forwarded-for itself); or, over TCP, the caller appended to x-forwarded-for by haproxy.
 */
function tideServerLines(activator: HaproxySettings['activator']): string[] {
  if ('socket' in activator) return [`  server tide unix@${activator.socket} send-proxy-v2`];
  return ['  option forwardfor', `  server tide ${activator.host}:${activator.port}`];
}

/** Every slot: a pod's address, or (idle) a placeholder in maintenance until a pod takes it. */
function serverLines(backend: IngressBackend, slots: BackendSlots | undefined): string[] {
  const bySlot = new Map<number, IngressBackend['servers'][number]>();
  for (const server of backend.servers) {
    const slot = slots?.pods.get(server.name);
    if (slot !== undefined) bySlot.set(slot, server);
  }
  const lines: string[] = [];
  for (let slot = 1; slot <= (slots?.count ?? 0); slot++) {
    const server = bySlot.get(slot);
    lines.push(
      server === undefined
        ? `  server ${slotName(slot)} 127.0.0.1:1 disabled ${SERVER_OPTIONS} maxconn 1`
        : `  server ${slotName(slot)} ${server.host}:${server.port} ${SERVER_OPTIONS} maxconn ${server.maxconn}`,
    );
  }
  return lines;
}

/**
 * A pod that refuses a connection (stopped a moment before haproxy heard it left) is marked down at
 * once, so the retry goes to another pod or, with none left, to the activator, as the gateway
 * redispatches; a check every second brings a down pod back up. An up pod is checked only every
 * 10 s: its calls already tell (observe layer4), and pods that leave are put in maintenance by the
 * ingress; a check a second of every pod of every function cost haproxy ~3 ms of CPU a second
 * with 20 functions deployed (measured), charged to the calls it served.
 */
export const SERVER_OPTIONS = 'check inter 10s downinter 1s rise 1 fall 1 observe layer4 error-limit 1 on-error mark-down';
