/**
 * The event ids the fold remembers, to reject a producer retry's second copy. Chunked so that
 * remembering one more id copies at most one chunk (256 ids), not the whole window: the fold
 * never mutates its input and stays cheap over 100 000 events.
 */
export interface IdWindow {
  readonly chunks: readonly ReadonlySet<string>[];
}

const CHUNK_SIZE = 256;
const MAX_CHUNKS = 16; // remembers the last 3 841..4 096 ids

export const emptyIdWindow: IdWindow = Object.freeze({ chunks: [] });

export function hasId(window: IdWindow, id: string): boolean {
  for (const chunk of window.chunks) if (chunk.has(id)) return true;
  return false;
}

export function rememberId(window: IdWindow, id: string): IdWindow {
  const chunks = window.chunks;
  const last = chunks[chunks.length - 1];
  if (last && last.size < CHUNK_SIZE) return { chunks: [...chunks.slice(0, -1), new Set(last).add(id)] };
  const kept = chunks.length >= MAX_CHUNKS ? chunks.slice(chunks.length - MAX_CHUNKS + 1) : chunks;
  return { chunks: [...kept, new Set([id])] };
}

export function idWindowToJSON(window: IdWindow): string[][] {
  return window.chunks.map((chunk) => [...chunk]);
}

export function idWindowFromJSON(chunks: string[][]): IdWindow {
  return { chunks: chunks.map((chunk) => new Set(chunk)) };
}
