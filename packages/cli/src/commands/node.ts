import { randomBytes } from 'node:crypto';
import type { Taint } from '@tide/core';
import { CliError } from '../api-client.js';

/** `key=value:Effect` → a taint. */
export function parseTaint(text: string): Taint {
  const match = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|NoExecute)$/.exec(text);
  if (!match) throw new CliError(`--taint "${text}" must look like key=value:NoSchedule or key:NoExecute`, 2);
  return { key: match[1]!, ...(match[2] ? { value: match[2] } : {}), effect: match[3] as Taint['effect'] };
}

export function nodeName(): string {
  return `node-${randomBytes(3).toString('hex')}`;
}
