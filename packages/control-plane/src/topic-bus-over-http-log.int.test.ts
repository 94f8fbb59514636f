import { openHttpLog } from '@tide/log';
import { makeTempDir } from '@tide/testkit/testing';
import { openLogTopicBus } from '@tide/topics';
import { topicBusContract } from '@tide/topics/testing';
import { afterAll, beforeAll } from 'vitest';
import { startControlPlane, type RunningControlPlane } from './start-control-plane.js';

// The triggers process of one machine: the log bus over the control plane's log API (bus.* topics).
let dir: Awaited<ReturnType<typeof makeTempDir>>;
let controlPlane: RunningControlPlane;
beforeAll(async () => {
  dir = await makeTempDir();
  controlPlane = await startControlPlane({
    log: { source: { kind: 'embedded', dataDir: dir.path } },
    dataDir: dir.path,
    listen: { port: 0, host: '127.0.0.1' },
    nodeGraceSeconds: 30,
    report: () => undefined,
  });
}, 30_000);
afterAll(async () => {
  await controlPlane?.stop();
  await dir?.remove();
});

topicBusContract('HTTP log of a control plane on the embedded log', async () => {
  const log = openHttpLog(controlPlane.url!);
  return { bus: openLogTopicBus(log), cleanup: () => log.close() };
});
