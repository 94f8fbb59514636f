import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { openStateStore, type StateStore } from '@tide/core';
import { createControlPlaneApp, openArtifactStore } from '@tide/control-plane';
import { openEmbeddedLog, openHttpLog, type EmbeddedLog } from '@tide/log';
import { eventLogContract } from '@tide/log/testing';
import { makeTempDir } from '@tide/testkit/testing';

/** The control plane's log API must behave as an EventLog to the processes that use it. */
eventLogContract('over HTTP (the control plane log API)', async () => {
  const dir = await makeTempDir('tide-http-log-');
  let log: EmbeddedLog = await openEmbeddedLog(`${dir.path}/log`);
  let store: StateStore = await openStateStore({ log });
  const artifacts = await openArtifactStore(`${dir.path}/artifacts`);
  let server: Server;
  const serve = async () => {
    const app = createControlPlaneApp({ store, log, artifacts, limits: { manifestBytes: 1 << 20, artifactBytes: 1 << 20 } }, { logTopics: () => true });
    server = createServer(getRequestListener(app.fetch));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  };
  const stop = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    await log.close();
  };
  const url = await serve();
  return {
    log: openHttpLog(url),
    async reopen() {
      await stop();
      log = await openEmbeddedLog(`${dir.path}/log`);
      store = await openStateStore({ log });
      return openHttpLog(await serve());
    },
    async cleanup() {
      await stop().catch(() => undefined);
      await dir.remove();
    },
  };
});
