import { POD_SYSCALL_RULES, type SyscallRule } from './pod-syscall-rules.js';
import { SYSCALL_NUMBERS, type SeccompArch, type SyscallName } from './syscall-numbers.js';

/** The classic-BPF opcodes the filter uses (linux/bpf_common.h): load a word of seccomp_data, compare, return. */
export const BPF = { LD_W_ABS: 0x20, JEQ_K: 0x15, JSET_K: 0x45, RET_K: 0x06 } as const;
/** What a filter returns (linux/seccomp.h): the action in the high 16 bits, an errno in the low ones. */
export const SECCOMP_RET = { KILL_PROCESS: 0x8000_0000, ERRNO: 0x0005_0000, ALLOW: 0x7fff_0000 } as const;
/** Where the filter reads `struct seccomp_data { int nr; u32 arch; u64 ip; u64 args[6]; }`: args[0]'s low half, on little-endian machines. */
export const SECCOMP_DATA_OFFSET = { nr: 0, arch: 4, arg0Low: 16 } as const;
/** The same on x86_64 and aarch64 (asm-generic/errno-base.h, asm-generic/errno.h). */
export const ERRNO = { EPERM: 1, ENOSYS: 38 } as const;
/** linux/audit.h: EM_X86_64 (62) and EM_AARCH64 (183), each | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
export const AUDIT_ARCH: Record<SeccompArch, number> = { x86_64: 0xc000_003e, aarch64: 0xc000_00b7 };
/** x86_64's x32 ABI makes its calls with the x86_64 arch and this bit in the number (asm/unistd.h __X32_SYSCALL_BIT). */
export const X32_SYSCALL_BIT = 0x4000_0000;

interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

export interface SeccompFilter {
  arch: SeccompArch;
  /** `struct sock_filter[]` as bwrap --seccomp reads it: 8 bytes each (u16 code, u8 jt, u8 jf, u32 k), little-endian like both architectures. */
  program: Uint8Array;
  /** The calls refused whatever their arguments, and those refused for some (clone with namespace flags). */
  refused: { always: SyscallName[]; sometimes: SyscallName[] };
}

/** The architecture of Node's `process.arch` as the filter knows it; undefined where it has no numbers for it. */
export function seccompArchOf(nodeArch: string): SeccompArch | undefined {
  if (nodeArch === 'x64') return 'x86_64';
  if (nodeArch === 'arm64') return 'aarch64';
  return undefined;
}

/**
 * The filter for pods on `arch`. A process of another ABI (i386 through int 0x80 on x86_64, arm32 on
 * aarch64) is killed: the numbers below mean other calls there, and no function runs such code. On
 * x86_64, x32 calls fail with ENOSYS (as on a kernel built without x32): their numbers differ too.
 * Then each rule, in order; every call no rule refuses is allowed. On kernels from 5.11 the
 * kernel works out once which calls the filter always allows and skips it for them.
 */
export function seccompFilter(arch: SeccompArch, rules: readonly SyscallRule[] = POD_SYSCALL_RULES): SeccompFilter {
  const program: Instruction[] = [
    load(SECCOMP_DATA_OFFSET.arch),
    jump(BPF.JEQ_K, AUDIT_ARCH[arch], 1, 0),
    ret(SECCOMP_RET.KILL_PROCESS),
    load(SECCOMP_DATA_OFFSET.nr),
  ];
  if (arch === 'x86_64') program.push(jump(BPF.JSET_K, X32_SYSCALL_BIT, 0, 1), ret(SECCOMP_RET.ERRNO | ERRNO.ENOSYS));
  const refused: SeccompFilter['refused'] = { always: [], sometimes: [] };
  const seen = new Set<SyscallName>();
  for (const rule of rules) {
    if (seen.has(rule.syscall)) throw new Error(`seccomp rules: ${rule.syscall} twice (only the first would count)`);
    seen.add(rule.syscall);
    const nr = SYSCALL_NUMBERS[rule.syscall][arch];
    if (nr === undefined) continue;
    program.push(...ruleBlock(nr, rule));
    refused[rule.when ? 'sometimes' : 'always'].push(rule.syscall);
  }
  program.push(ret(SECCOMP_RET.ALLOW));
  return { arch, program: encode(program), refused };
}

/** What the filter refuses, for the agent's start line. */
export function describeSeccompFilter(filter: SeccompFilter): string {
  const some = filter.refused.sometimes.length ? `, and ${filter.refused.sometimes.join(' and ')} for some arguments` : '';
  return `seccomp filter refuses ${filter.refused.always.length} system calls${some} (docs/sandbox.md)`;
}

/** A rule as instructions that fall through to the next rule when the call is another (A holds its number). */
function ruleBlock(nr: number, rule: SyscallRule): Instruction[] {
  const refuse = ret(SECCOMP_RET.ERRNO | ERRNO[rule.errno]);
  if (!rule.when) return [jump(BPF.JEQ_K, nr, 0, 1), refuse];
  // Its argument replaces the number in A: past this block no other rule can match, so it ends in a return either way.
  if ('arg0HasAnyOf' in rule.when) {
    return [jump(BPF.JEQ_K, nr, 0, 4), load(SECCOMP_DATA_OFFSET.arg0Low), jump(BPF.JSET_K, rule.when.arg0HasAnyOf, 0, 1), refuse, ret(SECCOMP_RET.ALLOW)];
  }
  const allowed = rule.when.arg0NotIn;
  // allowed=[a, b]: jeq a → +2 (allow), jeq b → +1 (allow), else refuse.
  const matches = allowed.map((value, i) => jump(BPF.JEQ_K, value, allowed.length - i, 0));
  return [jump(BPF.JEQ_K, nr, 0, allowed.length + 3), load(SECCOMP_DATA_OFFSET.arg0Low), ...matches, refuse, ret(SECCOMP_RET.ALLOW)];
}

const load = (offset: number): Instruction => ({ code: BPF.LD_W_ABS, jt: 0, jf: 0, k: offset });
const ret = (value: number): Instruction => ({ code: BPF.RET_K, jt: 0, jf: 0, k: value });

function jump(code: number, k: number, jt: number, jf: number): Instruction {
  // Offsets are bytes in the encoding: a block this long is a bug in the rules.
  if (jt > 255 || jf > 255) throw new Error(`seccomp filter: a jump of ${Math.max(jt, jf)} instructions does not fit classic BPF's 255`);
  return { code, jt, jf, k };
}

function encode(program: readonly Instruction[]): Uint8Array {
  const bytes = new Uint8Array(program.length * 8);
  const view = new DataView(bytes.buffer);
  for (const [i, { code, jt, jf, k }] of program.entries()) {
    view.setUint16(i * 8, code, true);
    view.setUint8(i * 8 + 2, jt);
    view.setUint8(i * 8 + 3, jf);
    view.setUint32(i * 8 + 4, k >>> 0, true);
  }
  return bytes;
}
