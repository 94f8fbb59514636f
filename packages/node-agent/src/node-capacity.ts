import { cpus, totalmem } from 'node:os';
import type { NodeCapacity } from '@tide/core';

/**
 * A development node's default capacity: its share of this machine when `nodesOnMachine` nodes run
 * on it (`tide up --nodes 3`: a third each), 75 % of the memory, and CPU requests overcommitted 4×
 * (functions mostly wait on I/O; a request is a reservation, not a use).
 */
export function defaultNodeCapacity(nodesOnMachine = 1, machine = { memoryBytes: totalmem(), cores: cpus().length }): NodeCapacity {
  const share = Math.max(1, Math.floor(nodesOnMachine));
  return {
    memoryMb: Math.floor(((machine.memoryBytes / 1024 / 1024) * 0.75) / share),
    cpuMilli: Math.floor((machine.cores * 4000) / share),
    pods: Math.max(1, Math.floor(110 / share)),
  };
}
