/** What the picker needs to know about one pod. */
export interface EndpointLoad {
  readonly inFlight: number;
  readonly concurrency: number;
}

/**
 * Index of the pod that should take the next request, or -1 when every pod is at its
 * concurrency limit (or there are none). Fewest in-flight wins; with more than two pods it
 * samples two at random ("power of two choices") so that concurrent gateways don't all
 * pile onto the same momentarily-idle pod, and falls back to a full scan only when both
 * samples are full.
 */
export function pickEndpoint(endpoints: readonly EndpointLoad[], random: () => number): number {
  const count = endpoints.length;
  if (count > 2) {
    const first = Math.floor(random() * count);
    // Second sample from the other count-1 pods, so the two are always distinct.
    let second = Math.floor(random() * (count - 1));
    if (second >= first) second += 1;
    const better = lessLoaded(endpoints, first, second);
    if (better >= 0) return better;
  }
  return leastLoadedWithRoom(endpoints);
}

function hasRoom(endpoint: EndpointLoad): boolean {
  return endpoint.inFlight < endpoint.concurrency;
}

function lessLoaded(endpoints: readonly EndpointLoad[], a: number, b: number): number {
  const first = endpoints[a];
  const second = endpoints[b];
  const firstFree = first !== undefined && hasRoom(first);
  const secondFree = second !== undefined && hasRoom(second);
  if (firstFree && secondFree) return second.inFlight < first.inFlight ? b : a;
  if (firstFree) return a;
  if (secondFree) return b;
  return -1;
}

function leastLoadedWithRoom(endpoints: readonly EndpointLoad[]): number {
  let best = -1;
  let bestInFlight = Infinity;
  for (let i = 0; i < endpoints.length; i++) {
    const endpoint = endpoints[i];
    if (endpoint !== undefined && hasRoom(endpoint) && endpoint.inFlight < bestInFlight) {
      best = i;
      bestInFlight = endpoint.inFlight;
    }
  }
  return best;
}
