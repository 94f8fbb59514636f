/**
 * Turns within a consumer group of one log-backed bus: the first member of a group owns every
 * partition; a later member of the same group waits until the ones before it have left, then
 * gets them all. Nothing is split between members: on one machine one triggers process consumes.
 */
export interface GroupTurns {
  /** Resolves when `member` owns the group, or with false if it left before its turn came. */
  wait(group: string, member: object): Promise<boolean>;
  /** `member` leaves the group (owning it or still waiting); the next one in line gets its turn. */
  leave(group: string, member: object): void;
}

export function createGroupTurns(): GroupTurns {
  const lines = new Map<string, { member: object; turn: (owned: boolean) => void }[]>();
  return {
    wait(group, member) {
      return new Promise<boolean>((turn) => {
        let line = lines.get(group);
        if (!line) lines.set(group, (line = []));
        line.push({ member, turn });
        if (line.length === 1) turn(true);
      });
    },
    leave(group, member) {
      const line = lines.get(group);
      const at = line?.findIndex((entry) => entry.member === member) ?? -1;
      if (!line || at < 0) return;
      const [left] = line.splice(at, 1);
      if (at > 0) left!.turn(false);
      else line[0]?.turn(true);
      if (line.length === 0) lines.delete(group);
    },
  };
}
