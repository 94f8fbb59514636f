import { CliError } from '../api-client.js';
import { INGRESS_KINDS, type IngressKind } from '../commands/up-ingress.js';
import type { CommandContext, FlagSpec } from './command-spec.js';

export const ingressFlag: FlagSpec = {
  type: 'string',
  value: 'gateway|haproxy',
  help: "what serves calls: gateway (default) = Tide's built-in gateway; haproxy = Debian's haproxy, programmed from the log, with the gateway as its activator (TIDE_INGRESS)",
};

/** `--ingress` or TIDE_INGRESS: one of INGRESS_KINDS; absent: the built-in gateway. */
export function ingressOf(flag: string | undefined, env: CommandContext['env']): { ingress?: IngressKind } {
  const value = flag ?? env.TIDE_INGRESS;
  if (value === undefined || value === '') return {};
  if (!(INGRESS_KINDS as readonly string[]).includes(value))
    throw new CliError(`--ingress ${JSON.stringify(value)}: must be one of ${INGRESS_KINDS.join(', ')}`, 2);
  return { ingress: value as IngressKind };
}
