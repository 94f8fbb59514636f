import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { delimiter, join } from 'node:path';

/** The ingresses `tide up` can serve calls with (docs/ingress.md): the tests that must hold for both run once per ingress. */
export interface IngressCase {
  kind: 'gateway' | 'haproxy';
  /** `tide up`'s flags for it. */
  args: string[];
  /** Why it cannot run on this machine (the tests are skipped, saying so); under CI=true a missing haproxy fails instead. */
  missing?: string;
}

/** Both ingresses; haproxy's case says why it cannot run where Debian's haproxy is missing (outside CI). */
export function ingressCases(): IngressCase[] {
  return [
    { kind: 'gateway', args: [] },
    { kind: 'haproxy', args: ['--ingress', 'haproxy'], ...haproxyMissing() },
  ];
}

/**
 * `body` once per ingress, in a describe named after it; where haproxy is missing (outside CI) its
 * describe holds one skipped test that says why.
 */
export function describeEachIngress(body: (ingress: IngressCase) => void): void {
  describe.each(ingressCases())('through the $kind ingress', (ingress) => {
    if (ingress.missing !== undefined) {
      it.skip(`needs haproxy: ${ingress.missing}`, () => undefined);
      return;
    }
    body(ingress);
  });
}

function haproxyMissing(): { missing?: string } {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin'];
  if (dirs.some((dir) => dir.startsWith('/') && existsSync(join(dir, 'haproxy')))) return {};
  const why = 'haproxy is not installed: apt-get install haproxy (.ci/run installs it)';
  if (process.env.CI === 'true') throw new Error(`CI=true and ${why}`);
  process.stderr.write(`skipping the HAProxy ingress's tests: ${why}\n`);
  return { missing: why };
}
