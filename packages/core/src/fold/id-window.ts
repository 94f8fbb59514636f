import { List, Set as PersistentSet } from 'immutable';

/**
 * The event ids the fold remembers, to reject a producer retry's second copy: the last
 * WINDOW_SIZE ids, in persistent structures so remembering one more costs O(log n), not a copy.
 */
export interface IdWindow {
  readonly ids: PersistentSet<string>;
  /** The same ids, oldest first, to know which to forget. */
  readonly order: List<string>;
}

const WINDOW_SIZE = 4096;

export const emptyIdWindow: IdWindow = Object.freeze({ ids: PersistentSet<string>(), order: List<string>() });

export function hasId(window: IdWindow, id: string): boolean {
  return window.ids.has(id);
}

export function rememberId(window: IdWindow, id: string): IdWindow {
  let { ids, order } = window;
  ids = ids.add(id);
  order = order.push(id);
  if (order.size > WINDOW_SIZE) {
    ids = ids.delete(order.first()!);
    order = order.shift();
  }
  return { ids, order };
}

export function idWindowToJSON(window: IdWindow): string[] {
  return window.order.toArray();
}

export function idWindowFromJSON(ids: string[]): IdWindow {
  return { ids: PersistentSet(ids), order: List(ids) };
}
