import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';

const DIGEST = /^sha256:([a-f0-9]{64})$/;

/**
 * A node's copy of the artifacts its pods run, fetched by digest from the control plane and kept
 * under its data directory; the digest is checked, so a corrupt download is never run.
 */
export function createArtifactCache(dir: string, servers: string): (digest: string) => Promise<string> {
  // Several control planes (comma-separated): any of them serves any artifact; try each in turn.
  const bases = servers.split(',').map((s) => s.trim().replace(/\/+$/, '')).filter(Boolean);
  const inFlight = new Map<string, Promise<string>>();
  const fetchOne = async (digest: string, hex: string): Promise<string> => {
    const path = join(dir, `${hex}.mjs`);
    if (await stat(path).then(() => true, () => false)) return path;
    await mkdir(dir, { recursive: true });
    const failures: string[] = [];
    let bytes: Buffer | undefined;
    let url = '';
    for (const base of bases) {
      url = `${base}/apis/tide.dev/v1/artifacts/${digest}`;
      try {
        const res = await request(url);
        const body = Buffer.from(await res.body.arrayBuffer());
        if (res.statusCode === 200) {
          bytes = body;
          break;
        }
        failures.push(`${url}: ${res.statusCode} ${body.toString('utf8').slice(0, 200)}`);
      } catch (error) {
        failures.push(`${url}: ${(error as { code?: string }).code ?? (error as Error).message}`);
      }
    }
    if (!bytes) throw new Error(`fetching artifact ${digest} failed: ${failures.join('; ')}`);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== hex) throw new Error(`artifact ${digest} from ${url} has digest sha256:${actual}: refusing to run it`);
    const tmp = join(dir, `.${randomUUID()}.tmp`);
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, path);
    } finally {
      await rm(tmp, { force: true });
    }
    return path;
  };
  return (digest) => {
    const hex = DIGEST.exec(digest)?.[1];
    if (!hex) return Promise.reject(new Error(`not an artifact digest: ${digest}`));
    let pending = inFlight.get(hex);
    if (!pending) {
      pending = fetchOne(digest, hex).finally(() => inFlight.delete(hex));
      inFlight.set(hex, pending);
    }
    return pending;
  };
}
