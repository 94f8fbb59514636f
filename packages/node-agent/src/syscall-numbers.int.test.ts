import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SYSCALL_NUMBERS, type SeccompArch } from './core/syscall-numbers.js';

/** The kernel's tables as Debian's linux-libc-dev installs them (aarch64 uses the generic one). */
const HEADERS: Record<SeccompArch, string> = {
  x86_64: '/usr/include/x86_64-linux-gnu/asm/unistd_64.h',
  aarch64: '/usr/include/asm-generic/unistd.h',
};

/** `#define __NR_name N` (and the generic table's `__NR3264_name N`) → name → N. */
function numbersIn(header: string): Map<string, number> {
  const numbers = new Map<string, number>();
  for (const match of readFileSync(header, 'utf8').matchAll(/^#define __NR(?:3264)?_(\w+)\s+(\d+)\s*$/gm)) numbers.set(match[1]!, Number(match[2]));
  return numbers;
}

describe.each(Object.entries(HEADERS) as [SeccompArch, string][])('the seccomp filter’s numbers for %s', (arch, header) => {
  it.skipIf(!existsSync(header))(`are the kernel headers’ (${header}${existsSync(header) ? '' : ': skipped, not installed (linux-libc-dev)'})`, () => {
    const numbers = numbersIn(header);
    for (const [name, byArch] of Object.entries(SYSCALL_NUMBERS)) expect(byArch[arch], name).toBe(numbers.get(name));
  });
});
