import { isDns1123Label } from './parse-invocation-path.js';

/** A request whose Host is `<label>.<namespace>.<domain>`: the function (or tagged revision) owns the whole path. */
export interface InvocationHost {
  readonly namespace: string;
  /** The functions and tags the first label can name, most specific reading first (see hostRouteCandidates). */
  readonly candidates: readonly HostRouteCandidate[];
}

export interface HostRouteCandidate {
  readonly name: string;
  readonly tag?: string;
}

/**
 * Reads a Host header as Knative does: `<name>.<namespace>.<domain>` for a function, and
 * `<tag>-<name>.<namespace>.<domain>` for a traffic tag (Knative's default tag template,
 * `{{.Tag}}-{{.Name}}`). Returns undefined for any other host (the API's, an address, another
 * domain), so the request is served as it would be without host routing. The port, a trailing dot
 * and letter case are ignored, as DNS ignores them.
 */
export function parseInvocationHost(host: string | undefined, domain: string): InvocationHost | undefined {
  if (host === undefined || host.length <= domain.length + 1) return undefined;
  let end = host.length;
  const colon = host.lastIndexOf(':');
  // `[::1]:8080` never ends in a domain name; a bracketed address has its colons before ']'.
  if (colon >= 0 && host.indexOf(']') < 0) end = colon;
  if (host.charCodeAt(end - 1) === 46 /* . */) end -= 1;
  // Checked before anything is allocated: most hosts that are not ours (an IP address, the API's
  // own name) end here, and this runs on every call.
  const suffixAt = end - domain.length - 1;
  if (suffixAt <= 0 || host.charCodeAt(suffixAt) !== 46) return undefined;
  if (host.slice(suffixAt + 1, end).toLowerCase() !== domain) return undefined;
  const name = host.slice(0, suffixAt).toLowerCase();
  const labels = name.split('.');
  if (labels.length !== 2) return undefined;
  const [label, namespace] = labels as [string, string];
  if (!isDns1123Label(label) || !isDns1123Label(namespace)) return undefined;
  return { namespace, candidates: hostRouteCandidates(label) };
}

/**
 * What one host label can name: the function of that name, else a tag and a function split at a
 * '-' — `old-hello` is the function `old-hello`, else tag `old` of `hello`, and `a-b-c` is tried as
 * tag `a` of `b-c`, then tag `a-b` of `c`. A function of the full name wins, as its host was taken first.
 */
export function hostRouteCandidates(label: string): HostRouteCandidate[] {
  const candidates: HostRouteCandidate[] = [{ name: label }];
  for (let dash = label.indexOf('-'); dash > 0; dash = label.indexOf('-', dash + 1)) {
    const tag = label.slice(0, dash);
    const name = label.slice(dash + 1);
    if (isDns1123Label(tag) && isDns1123Label(name)) candidates.push({ name, tag });
  }
  return candidates;
}

/** `TIDE_DOMAIN`'s default: curl and browsers resolve every `*.localhost` to the loopback address. */
export const DEFAULT_INVOCATION_DOMAIN = 'localhost';
