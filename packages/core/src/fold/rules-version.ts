import type { EventOf } from '../events.js';
import { rejected, type ClusterState, type FoldHalt } from '../state.js';
import type { FoldContext, HandlerResult } from './context.js';
import { highestVersion, type RuleBook } from './rules.js';

/** Why a fold cannot go on: said by the process, so its operator knows what to do. */
export function haltAt(offset: number, version: number, book: RuleBook): FoldHalt {
  const supported = highestVersion(book);
  return {
    offset,
    version,
    supported,
    reason:
      `the state stream switches to fold rules version ${version} at offset ${offset}, but this process knows versions up to ${supported}: ` +
      `it stops folding rather than guess how version ${version} judges events; upgrade this process`,
  };
}

/**
 * The switch of rules: only to the next version, so every build reaches the same verdict on it
 * (a skip or a step back is rejected alike by all). The next version being unknown here is not a
 * verdict but a halt (`unknown`): the caller stops the fold at this event.
 */
export function rulesVersionRaised(
  state: ClusterState,
  event: EventOf<'RulesVersionRaised'>,
  ctx: FoldContext,
  book: RuleBook,
): HandlerResult | { unknown: FoldHalt } {
  const { version } = event.data;
  if (version !== state.rulesVersion + 1) {
    return { rejected: rejected('conflict', `rules version ${version} is not the next one (in force: ${state.rulesVersion})`) };
  }
  if (!book.has(version)) return { unknown: haltAt(ctx.offset, version, book) };
  return { state: { ...state, rulesVersion: version } };
}
