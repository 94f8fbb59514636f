import { describe, expect, it } from 'vitest';
import { ALLOWED_PERSONAS, CLONE_NAMESPACE_FLAGS, POD_SYSCALL_RULES } from './pod-syscall-rules.js';
import { AUDIT_ARCH, describeSeccompFilter, ERRNO, SECCOMP_RET, seccompArchOf, seccompFilter, X32_SYSCALL_BIT } from './seccomp-filter.js';
import { SYSCALL_NUMBERS, type SeccompArch, type SyscallName } from './syscall-numbers.js';

type Verdict = 'allow' | 'kill' | 'EPERM' | 'ENOSYS';

/**
 * Runs a program as the kernel would (the subset of classic BPF a seccomp filter may use), on a
 * `struct seccomp_data` built from (arch, nr, args): little-endian, 64 bytes. Checks what the
 * kernel's verifier checks of what it runs: jumps inside the program, aligned loads inside the data.
 */
function run(program: Uint8Array, arch: number, nr: number, args: readonly bigint[] = []): Verdict {
  expect(program.length % 8).toBe(0);
  const code = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const data = new DataView(new ArrayBuffer(64));
  data.setInt32(0, nr, true);
  data.setUint32(4, arch, true);
  for (const [i, arg] of args.entries()) data.setBigUint64(16 + 8 * i, BigInt.asUintN(64, arg), true);
  const length = program.length / 8;
  let a = 0;
  for (let pc = 0; pc < length; pc++) {
    const [op, jt, jf, k] = [code.getUint16(pc * 8, true), code.getUint8(pc * 8 + 2), code.getUint8(pc * 8 + 3), code.getUint32(pc * 8 + 4, true)];
    const branch = (taken: boolean) => {
      pc += taken ? jt : jf;
      if (pc + 1 >= length) throw new Error(`a jump past the end at ${pc}`);
    };
    if (op === 0x20) {
      if (k % 4 !== 0 || k > 60) throw new Error(`a load of seccomp_data at ${k}`);
      a = data.getUint32(k, true);
    } else if (op === 0x15) branch(a === k);
    else if (op === 0x45) branch((a & k) !== 0);
    else if (op === 0x06) return verdictOf(k);
    else throw new Error(`opcode ${op.toString(16)} at ${pc}`);
  }
  throw new Error('ran off the end of the program');
}

function verdictOf(k: number): Verdict {
  if (k === SECCOMP_RET.ALLOW) return 'allow';
  if (k === SECCOMP_RET.KILL_PROCESS) return 'kill';
  if (k === (SECCOMP_RET.ERRNO | ERRNO.EPERM)) return 'EPERM';
  if (k === (SECCOMP_RET.ERRNO | ERRNO.ENOSYS)) return 'ENOSYS';
  throw new Error(`a return of ${k.toString(16)}`);
}

const ARCHES: SeccompArch[] = ['x86_64', 'aarch64'];
/** Calls every Node process makes, by their numbers (syscall_64.tbl; asm-generic/unistd.h). */
const EVERYDAY = {
  read: { x86_64: 0, aarch64: 63 },
  write: { x86_64: 1, aarch64: 64 },
  mmap: { x86_64: 9, aarch64: 222 },
  openat: { x86_64: 257, aarch64: 56 },
  futex: { x86_64: 202, aarch64: 98 },
  execve: { x86_64: 59, aarch64: 221 },
  epoll_pwait: { x86_64: 281, aarch64: 22 },
  socket: { x86_64: 41, aarch64: 198 },
};
/** glibc's flags for a thread (pthread_create), a fork, and posix_spawn's vfork. */
const THREAD = 0x3d0f00n;
const FORK = 0x1200011n;
const VFORK = 0x4111n;
const CLONE_NEW = { NS: 0x20000, CGROUP: 0x2000000, UTS: 0x4000000, IPC: 0x8000000, USER: 0x10000000, PID: 0x20000000, NET: 0x40000000 };

describe.each(ARCHES)('the pods’ seccomp filter on %s', (arch) => {
  const { program } = seccompFilter(arch);
  const nr = (call: SyscallName) => SYSCALL_NUMBERS[call][arch]!;
  const call = (name: SyscallName, ...args: bigint[]) => run(program, AUDIT_ARCH[arch], nr(name), args);

  it('allows the calls a Node process makes every moment', () => {
    for (const [name, numbers] of Object.entries(EVERYDAY)) expect(run(program, AUDIT_ARCH[arch], numbers[arch]), name).toBe('allow');
  });

  it.each(POD_SYSCALL_RULES.filter((rule) => !rule.when && SYSCALL_NUMBERS[rule.syscall][arch] !== undefined))('refuses $syscall with $errno', (rule) => {
    expect(call(rule.syscall)).toBe(rule.errno);
  });

  it('refuses unshare(CLONE_NEWUSER) and setns with EPERM, clone3 and io_uring with ENOSYS (callers fall back)', () => {
    expect(call('unshare', BigInt(CLONE_NEW.USER))).toBe('EPERM');
    expect(call('setns', 3n, 0n)).toBe('EPERM');
    expect(call('clone3', 0n, 88n)).toBe('ENOSYS');
    expect(call('io_uring_setup', 8n, 0n)).toBe('ENOSYS');
    expect(call('ptrace', 16n /* PTRACE_ATTACH */, 1n)).toBe('EPERM');
  });

  it('allows clone for a thread, a fork and a vfork, and refuses it with any namespace flag', () => {
    for (const flags of [THREAD, FORK, VFORK]) expect(call('clone', flags), flags.toString(16)).toBe('allow');
    for (const [name, flag] of Object.entries(CLONE_NEW)) {
      expect(call('clone', BigInt(flag) | 17n), name).toBe('EPERM');
      expect(call('clone', BigInt(flag) | FORK), name).toBe('EPERM');
    }
    // Bits above the low 32 are no namespace: the kernel ignores them for clone.
    expect(call('clone', (1n << 40n) | FORK)).toBe('allow');
  });

  it('allows the default persona (and asking for it), refuses one without ASLR or with readable-implies-executable', () => {
    for (const persona of ALLOWED_PERSONAS) expect(call('personality', BigInt(persona))).toBe('allow');
    expect(call('personality', 0x0040000n /* ADDR_NO_RANDOMIZE */)).toBe('EPERM');
    expect(call('personality', 0x0400000n /* READ_IMPLIES_EXEC */)).toBe('EPERM');
  });

  it('kills a process of another ABI: i386 through int 0x80, arm32, or the other architecture', () => {
    const other = arch === 'x86_64' ? 'aarch64' : 'x86_64';
    for (const foreign of [0x40000003 /* AUDIT_ARCH_I386 */, 0x40000028 /* AUDIT_ARCH_ARM */, AUDIT_ARCH[other]]) {
      expect(run(program, foreign, 0)).toBe('kill');
      expect(run(program, foreign, nr('unshare'))).toBe('kill');
    }
  });
});

describe('seccompFilter', () => {
  it('refuses x32 calls on x86_64 with ENOSYS, their unshare too, as a kernel without x32 would', () => {
    const { program } = seccompFilter('x86_64');
    expect(run(program, AUDIT_ARCH.x86_64, X32_SYSCALL_BIT | 39 /* getpid */)).toBe('ENOSYS');
    expect(run(program, AUDIT_ARCH.x86_64, X32_SYSCALL_BIT | 272 /* unshare */)).toBe('ENOSYS');
  });

  it('leaves out calls an architecture lacks, and counts what it refuses', () => {
    const x86 = seccompFilter('x86_64');
    const arm = seccompFilter('aarch64');
    expect(x86.refused.always).toContain('iopl');
    expect(arm.refused.always).not.toContain('iopl');
    expect(x86.refused.sometimes).toEqual(['clone', 'personality']);
    expect(x86.refused.always.length).toBe(POD_SYSCALL_RULES.length - 2);
    expect(arm.refused.always.length).toBeLessThan(x86.refused.always.length);
    expect(describeSeccompFilter(x86)).toBe(
      `seccomp filter refuses ${x86.refused.always.length} system calls, and clone and personality for some arguments (docs/sandbox.md)`,
    );
  });

  it('is a program the kernel takes: whole instructions, far below its 4096, ending in a return', () => {
    for (const arch of ARCHES) {
      const { program } = seccompFilter(arch);
      expect(program.length % 8).toBe(0);
      expect(program.length / 8).toBeLessThan(200);
      expect(program[program.length - 8]).toBe(0x06);
    }
  });

  it('refuses rules that name a call twice', () => {
    expect(() => seccompFilter('x86_64', [...POD_SYSCALL_RULES, { syscall: 'ptrace', errno: 'EPERM' }])).toThrow(/ptrace twice/);
  });

  it('knows the architectures of Node’s process.arch it has numbers for', () => {
    expect(seccompArchOf('x64')).toBe('x86_64');
    expect(seccompArchOf('arm64')).toBe('aarch64');
    expect(seccompArchOf('riscv64')).toBeUndefined();
    expect(seccompArchOf('ia32')).toBeUndefined();
  });

  it('masks every namespace flag of clone but CLONE_NEWTIME, whose bit is clone’s exit signal', () => {
    expect(CLONE_NAMESPACE_FLAGS).toBe(Object.values(CLONE_NEW).reduce((all, flag) => all | flag, 0));
  });
});
