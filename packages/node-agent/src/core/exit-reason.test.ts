import { describe, expect, it } from 'vitest';
import { describeExit, type PodExit } from './exit-reason.js';

describe('describeExit', () => {
  it.each<[string, PodExit, string]>([
    ['a plain exit code', { code: 3, signal: null }, 'exited with code 3'],
    ['a signal', { code: null, signal: 'SIGSEGV' }, 'killed by SIGSEGV'],
    ["the runtime's own reason over its exit code", { code: 1, signal: null, failedReason: 'import failed: SyntaxError: x' }, 'import failed: SyntaxError: x'],
    ['out of memory over the abort signal', { code: null, signal: 'SIGABRT', outOfMemory: true }, 'OOM'],
    ['a start deadline over the SIGKILL that enforced it', { code: null, signal: 'SIGKILL', startTimeoutMs: 30_000 }, 'not ready within 30s'],
    [
      'a liveness kill over the code of the drain it allowed',
      { code: 0, signal: null, killReason: 'liveness probe failed: HTTP 500' },
      'liveness probe failed: HTTP 500',
    ],
    [
      'a liveness kill over the SIGKILL that ended its grace',
      { code: null, signal: 'SIGKILL', killReason: 'liveness probe failed: timeout after 1s' },
      'liveness probe failed: timeout after 1s',
    ],
    [
      'a recycle over the SIGKILL the pod sent itself',
      { code: null, signal: 'SIGKILL', recycleReason: 'call ran past its timeout of 1s' },
      'call ran past its timeout of 1s',
    ],
    [
      'a liveness kill over a recycle during its grace',
      { code: null, signal: 'SIGKILL', killReason: 'liveness probe failed: HTTP 500', recycleReason: 'call ran past its timeout of 1s' },
      'liveness probe failed: HTTP 500',
    ],
    ['a spawn failure', { code: null, signal: null, spawnError: 'spawn /nope ENOENT' }, 'spawn failed: spawn /nope ENOENT'],
  ])('describes %s', (_title, exit, reason) => {
    expect(describeExit(exit)).toBe(reason);
  });
});
