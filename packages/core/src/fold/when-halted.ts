import type { FoldHalt } from '../state.js';
import type { StateStore } from '../store/state-store.js';

/**
 * Calls `listener` once when the store's fold halts at rules this process does not know — at
 * once if it already has (during the replay at open) — so a process can say why and exit
 * rather than serve a cluster frozen at the switch. Returns a function that stops listening.
 */
export function whenFoldHalted(store: Pick<StateStore, 'state' | 'subscribe'>, listener: (halt: FoldHalt) => void): () => void {
  const now = store.state().halted;
  if (now) {
    listener(now);
    return () => {};
  }
  const unsubscribe = store.subscribe((_event, _verdict, state) => {
    if (!state.halted) return;
    unsubscribe();
    listener(state.halted);
  });
  return unsubscribe;
}
