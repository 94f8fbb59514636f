import { describe, expect, it } from 'vitest';
import { signalOfExitCode } from './runtime-process.js';

describe('signalOfExitCode (how bwrap reports the runtime inside it dying by a signal)', () => {
  it('reads 128 + N as signal N', () => {
    expect(signalOfExitCode(137)).toBe('SIGKILL');
    expect(signalOfExitCode(143)).toBe('SIGTERM');
  });
  it('leaves ordinary exit codes alone', () => {
    for (const code of [0, 1, 2, 127, 128, 255]) expect(signalOfExitCode(code)).toBeUndefined();
  });
});
