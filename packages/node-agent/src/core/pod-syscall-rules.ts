import type { SyscallName } from './syscall-numbers.js';

/**
 * A system call a pod's processes may not make, and how it fails: EPERM (what a function sees as an
 * error it can handle), or ENOSYS where callers take it as "this kernel lacks the call" and fall
 * back to another (glibc and libuv do for clone3 and io_uring). Never a kill: a refused call is an
 * error in the function, not a dead pod.
 *
 * `when` narrows a refusal to some values of the call's first argument (its low 32 bits; the
 * arguments this filter reads are ints or flags that fit there): a filter sees the argument
 * registers, never memory they point to.
 */
export interface SyscallRule {
  syscall: SyscallName;
  errno: 'EPERM' | 'ENOSYS';
  when?: { arg0HasAnyOf: number } | { arg0NotIn: readonly number[] };
}

/** clone's namespace flags: NEWNS 0x20000, NEWCGROUP 0x2000000, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET (0x4000000-0x40000000). */
export const CLONE_NAMESPACE_FLAGS = 0x7e02_0000;

/** personality's values a program may ask for (Docker's too): PER_LINUX, PER_LINUX32, their UNAME26 forms, and 0xffffffff, which only asks. */
export const ALLOWED_PERSONAS = [0x0, 0x8, 0x2_0000, 0x2_0008, 0xffff_ffff] as const;

const refuse = (errno: SyscallRule['errno'], ...syscalls: SyscallName[]): SyscallRule[] => syscalls.map((syscall) => ({ syscall, errno }));

/**
 * What a pod may not call, in the spirit of Docker's and containerd's default profile: calls a
 * function never needs that reach other processes, load kernel code, change the machine, or open
 * kernel surface that has had one privilege escalation after another. Most of them fail for an
 * unprivileged user anyway; refused here, the kernel's code behind them is never reached.
 * docs/sandbox.md says why each group is here.
 */
export const POD_SYSCALL_RULES: readonly SyscallRule[] = [
  // Reading or steering another process (a pod's own children run as its uid).
  ...refuse('EPERM', 'ptrace', 'process_vm_readv', 'process_vm_writev', 'process_madvise', 'pidfd_getfd', 'kcmp'),
  // Namespaces: Debian lets anyone make a user namespace, and inside one a pod holds every capability.
  ...refuse('EPERM', 'unshare', 'setns'),
  { syscall: 'clone', errno: 'EPERM', when: { arg0HasAnyOf: CLONE_NAMESPACE_FLAGS } },
  // clone3's flags are in memory the filter cannot read: refused whole, glibc and libuv then use clone.
  ...refuse('ENOSYS', 'clone3'),
  // io_uring: a second way into most of the kernel, the source of many escalations (Docker refuses it too); libuv falls back.
  ...refuse('ENOSYS', 'io_uring_setup', 'io_uring_enter', 'io_uring_register'),
  // Loading or replacing kernel code.
  ...refuse('EPERM', 'kexec_load', 'kexec_file_load', 'init_module', 'finit_module', 'delete_module', 'bpf', 'uselib'),
  ...refuse('EPERM', 'create_module', 'query_module', 'get_kernel_syms'),
  // Mounts, roots and file handles (open_by_handle_at walks past any mount: Docker's "shocker" escape).
  ...refuse('EPERM', 'mount', 'umount2', 'pivot_root', 'chroot', 'move_mount', 'open_tree', 'mount_setattr'),
  ...refuse('EPERM', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'open_by_handle_at', 'name_to_handle_at', 'quotactl', 'quotactl_fd', 'nfsservctl'),
  // The machine's state: power, swap, clocks, names, logs, ports, accounting.
  ...refuse('EPERM', 'reboot', 'swapon', 'swapoff', 'acct', 'syslog', 'vhangup', 'iopl', 'ioperm'),
  ...refuse('EPERM', 'settimeofday', 'clock_settime', 'adjtimex', 'clock_adjtime', 'sethostname', 'setdomainname'),
  ...refuse('EPERM', 'sysfs', '_sysctl', 'ustat', 'lookup_dcookie'),
  // Kernel surface a function has no use for: perf, userfaultfd (stalls the kernel mid-copy for exploits), keyrings (not namespaced), fanotify, NUMA placement.
  ...refuse('EPERM', 'perf_event_open', 'userfaultfd', 'keyctl', 'add_key', 'request_key', 'fanotify_init'),
  ...refuse('EPERM', 'mbind', 'set_mempolicy', 'set_mempolicy_home_node', 'get_mempolicy', 'migrate_pages', 'move_pages'),
  // Another persona: ADDR_NO_RANDOMIZE turns ASLR off, READ_IMPLIES_EXEC makes every readable page executable.
  { syscall: 'personality', errno: 'EPERM', when: { arg0NotIn: ALLOWED_PERSONAS } },
];
