import { statSync, watch, type FSWatcher } from 'node:fs';

export interface DirWatch {
  /** Watches any root that was (re)created since: a deleted directory's watch dies with it. Cheap when nothing changed. */
  rearm(): void;
  close(): void;
}

/**
 * Calls onChange when an entry directly under one of `roots` is created, renamed or deleted (inotify
 * on Linux): a hint to look soon, never the truth, so events may be lost or spurious. A root that
 * does not exist is watched from the first rearm() that finds it.
 */
export function watchDirs(roots: readonly string[], onChange: () => void): DirWatch {
  const watching = new Map<string, { ino: number; watcher: FSWatcher }>();
  let closed = false;

  function arm(root: string): void {
    let ino: number;
    try {
      ino = statSync(root).ino;
    } catch {
      return; // not there (yet)
    }
    const current = watching.get(root);
    if (current?.ino === ino) return;
    current?.watcher.close();
    watching.delete(root);
    try {
      // persistent: false — a watch never keeps the agent's process alive.
      const watcher = watch(root, { persistent: false }, onChange);
      watcher.on('error', () => {
        watcher.close();
        if (watching.get(root)?.watcher === watcher) watching.delete(root);
        onChange();
      });
      watching.set(root, { ino, watcher });
    } catch {
      // out of inotify watches, or gone meanwhile: the periodic audit still runs
    }
  }

  return {
    rearm() {
      if (!closed) for (const root of roots) arm(root);
    },
    close() {
      closed = true;
      for (const { watcher } of watching.values()) watcher.close();
      watching.clear();
    },
  };
}
