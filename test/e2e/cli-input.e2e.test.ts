import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliEntry, repoRoot } from '../support/tide-process.js';

/** Runs the CLI to its end with only the given environment (plus PATH and HOME). */
function tide(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [cliEntry, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: result.status, stderr: result.stderr };
}

describe('the component commands refuse bad settings before they start, naming the setting', () => {
  it.each([
    [
      ['node', '--server', 'http://127.0.0.1:1', '--address', 'http://10.0.0.5:8080'],
      {},
      /--address "http:\/\/10\.0\.0\.5:8080" must be an IP address or host name of this machine/,
    ],
    [['node', '--server', 'http://127.0.0.1:1'], { TIDE_NODE_ADDRESS: '10.0.0.5/24' }, /--address "10\.0\.0\.5\/24" must be an IP address or host name/],
    [['node', '--server', 'http://127.0.0.1:1', '--artifact-cache-mb', '0'], {}, /--artifact-cache-mb must be at least 1, got "0"/],
    [['node', '--server', 'http://127.0.0.1:1', '--artifact-cache-mb', 'lots'], {}, /--artifact-cache-mb must be a whole number, got "lots"/],
    [['node', '--server', 'http://127.0.0.1:1'], { TIDE_NODE_TAINTS: 'dedicated=gpu:NoSchedule, gpu' }, /--taint "gpu" must look like key=value:NoSchedule/],
    [['node', '--server', 'http://127.0.0.1:1'], { TIDE_NODE_MEMORY_MB: '2GB' }, /--memory must be a whole number, got "2GB"/],
    [
      ['gateway', '--port', '0'],
      { TIDE_KAFKA_BROKERS: '127.0.0.1:1', TIDE_KAFKA_SASL_MECHANISM: 'gssapi', TIDE_KAFKA_SASL_USERNAME: 'u', TIDE_KAFKA_SASL_PASSWORD: 'p' },
      /TIDE_KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512/,
    ],
    [
      ['gateway', '--port', '0'],
      { TIDE_KAFKA_BROKERS: '127.0.0.1:1', TIDE_KAFKA_FETCH_WAIT_MS: 'soon' },
      /TIDE_KAFKA_FETCH_WAIT_MS must be a number of milliseconds, got "soon"/,
    ],
  ])('tide %j', (args, env, message) => {
    const { code, stderr } = tide(args as string[], env as Record<string, string>);
    expect(code, stderr).not.toBe(0);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/unexpected error|at .*\.js:\d+/);
  });
});
