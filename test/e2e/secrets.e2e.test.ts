import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually, makeTempDir } from '@tide/testkit/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, startTide, stopTide, type StartedTide } from '../support/tide-process.js';

/**
 * Issue 12, acceptance 3: secrets are encrypted at rest and decrypted only into the pod's
 * environment. Random markers go in through the CLI (--from-literal, --from-env-file) and the API;
 * a function sees them (it answers their sha256, never the values); then every byte under the data
 * directory, every API answer and CLI output of this test and the process's own output are
 * searched for each marker as text, base64 (at every alignment) and hex: none may hold one.
 */
const READER = `export default { async fetch(request, env) {
  const sha = async (value) => value === undefined ? null
    : [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value)))].map((b) => b.toString(16).padStart(2, '0')).join('');
  const keys = new URL(request.url).searchParams.get('keys')?.split(',') ?? ['API_KEY', 'DB_PASSWORD', 'TOKEN', 'LATER', 'PLAIN'];
  const out = {};
  for (const key of keys) out[key] = await sha(env[key]);
  return Response.json(out);
} };`;

const marker = () => `m${randomBytes(20).toString('hex')}`;
const MARKERS = { API_KEY: marker(), DB_PASSWORD: marker(), TOKEN: marker(), LATER: marker(), APPLIED: marker(), LATE_KEY: marker() };
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

let dir: Awaited<ReturnType<typeof makeTempDir>>;
let inputs: Awaited<ReturnType<typeof makeTempDir>>;
let tide: StartedTide | undefined;
let digest: string;
/** Every API answer and CLI output of this test: searched for the markers at the end. */
const seen: { what: string; text: string }[] = [];

const API = '/apis/tide.dev/v1';
async function call(method: string, path: string, options: { body?: unknown; token?: string } = {}) {
  const headers = { ...(options.token ? { authorization: `Bearer ${options.token}` } : tide!.headers), 'content-type': 'application/json' };
  const res = await request(`${tide!.url}${path}`, {
    method: method as 'GET',
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    headersTimeout: 30_000,
  });
  const text = await res.body.text();
  seen.push({ what: `${method} ${path}`, text });
  return { status: res.statusCode, text };
}
async function cli(args: string[], token?: string) {
  const result = await runCli(args, { server: tide!.url, ...(token ? { token } : {}) });
  seen.push({ what: `tide ${args.join(' ')}`, text: `${result.stdout}\n${result.stderr}` });
  return result;
}
const applyFunction = (name: string, envFrom: string[], env: Record<string, unknown> = {}) =>
  call('PUT', `${API}/namespaces/default/functions/${name}`, {
    body: {
      apiVersion: 'tide.dev/v1',
      kind: 'Function',
      metadata: { name },
      spec: { source: { artifact: digest }, env: { PLAIN: 'visible', ...env }, envFrom: envFrom.map((secretRef) => ({ secretRef })) },
    },
  });
const secretKeyRef = (name: string, key: string, optional?: true) => ({ valueFrom: { secretKeyRef: { name, key, ...(optional ? { optional } : {}) } } });
/** What the function answers: the sha256 of each env var named (null when it has none), by default those of READER. */
const invoke = (fn: string, keys?: string[]) =>
  eventually(
    async () => {
      const answer = await call('GET', `/fn/default/${fn}/${keys ? `?keys=${keys.join(',')}` : ''}`);
      if (answer.status !== 200) throw new Error(`${fn}: ${answer.status} ${answer.text}`);
      return JSON.parse(answer.text) as Record<string, string | null>;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );

/** The reason a pod of the function waits with, once it says CreateContainerConfigError. */
const configError = (fn: string) =>
  eventually(
    async () => {
      const pods = JSON.parse((await call('GET', `${API}/namespaces/default/pods?labelSelector=tide.dev/function%3D${fn}`)).text) as {
        items: { status: { reason?: string } }[];
      };
      const found = pods.items.map((p) => p.status.reason ?? '').find((r) => r.startsWith('CreateContainerConfigError'));
      if (!found) throw new Error(`no pod says CreateContainerConfigError yet: ${JSON.stringify(pods.items.map((p) => p.status))}`);
      return found;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );

/** The forms a marker could be written in: as it is, hex, and base64 at each of the 3 alignments (edges trimmed). */
function formsOf(value: string): Buffer[] {
  const bytes = Buffer.from(value);
  const base64 = [0, 1, 2].map((pad) => {
    const encoded = Buffer.concat([Buffer.alloc(pad), bytes]).toString('base64');
    return encoded.slice(4, -4);
  });
  return [value, bytes.toString('hex'), ...base64].map((form) => Buffer.from(form));
}
const ALL_FORMS = Object.values(MARKERS).flatMap(formsOf);
const countIn = (bytes: Buffer) => ALL_FORMS.reduce((sum, form) => sum + countOf(bytes, form), 0);
function countOf(bytes: Buffer, form: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(form); at >= 0; at = bytes.indexOf(form, at + 1)) count++;
  return count;
}

async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

beforeAll(async () => {
  dir = await makeTempDir('tide-secrets-');
  inputs = await makeTempDir('tide-secret-inputs-');
  tide = await startTide({ dataDir: dir.path, port: await freePort() });
  const upload = await request(`${tide.url}${API}/artifacts`, { method: 'POST', headers: tide.headers, body: READER });
  digest = ((await upload.body.json()) as { digest: string }).digest;
}, 60_000);

afterAll(async () => {
  await stopTide(tide);
  await dir?.remove();
  await inputs?.remove();
});

describe('secrets (issue 12, acceptance 3)', () => {
  it('made by the CLI and the API, reach the pods of a function that names them', async () => {
    const envFile = join(inputs.path, 'db.env');
    await writeFile(envFile, `# the database\nDB_PASSWORD=${MARKERS.DB_PASSWORD}\n`);
    const created = await cli(['create', 'secret', 'app', '--from-literal', `API_KEY=${MARKERS.API_KEY}`, '--from-env-file', envFile]);
    expect(created, created.stderr).toMatchObject({ code: 0, stdout: 'secret/app created\n' });
    const put = await call('PUT', `${API}/namespaces/default/secrets/tokens`, {
      body: { apiVersion: 'tide.dev/v1', kind: 'Secret', metadata: { name: 'tokens' }, data: { TOKEN: MARKERS.TOKEN } },
    });
    expect(put.status).toBe(201);
    expect(JSON.parse(put.text)).toMatchObject({ kind: 'Secret', keys: { TOKEN: MARKERS.TOKEN.length } });

    expect((await applyFunction('reader', ['app', 'tokens'])).status).toBe(201);
    expect(await invoke('reader')).toEqual({
      API_KEY: sha256(MARKERS.API_KEY),
      DB_PASSWORD: sha256(MARKERS.DB_PASSWORD),
      TOKEN: sha256(MARKERS.TOKEN),
      LATER: null,
      PLAIN: sha256('visible'),
    });

    const listed = await cli(['get', 'secrets']);
    expect(listed.stdout).toMatch(/^NAME\s+TYPE\s+DATA\s+AGE\napp\s+Opaque\s+2\s+\S+\ntokens\s+Opaque\s+1\s+/);
    // kubectl's way too: a manifest with the values, applied from a file.
    const file = join(inputs.path, 'extra.yaml');
    await writeFile(file, `apiVersion: tide.dev/v1\nkind: Secret\nmetadata: { name: extra }\ndata:\n  APPLIED: "${MARKERS.APPLIED}"\n`);
    const applied = await cli(['apply', '-f', file]);
    expect(applied, applied.stderr).toMatchObject({ code: 0, stdout: 'secret/extra created\n' });
    expect((await cli(['describe', 'secret', 'extra'])).stdout).toContain(`APPLIED:  ${MARKERS.APPLIED.length} bytes`);
    const described = await cli(['describe', 'secret', 'app']);
    expect(described.stdout).toContain(`API_KEY:  ${MARKERS.API_KEY.length} bytes`);
    expect(described.stdout).toContain(`DB_PASSWORD:  ${MARKERS.DB_PASSWORD.length} bytes`);
  }, 120_000);

  it('accepts a function naming a secret that does not exist yet; its pods wait with CreateContainerConfigError until it does', async () => {
    expect((await applyFunction('waiting', ['later'])).status).toBe(201);
    expect(await configError('waiting')).toBe('CreateContainerConfigError: secret "later" not found');
    const created = await cli(['create', 'secret', 'later', '--from-literal', `LATER=${MARKERS.LATER}`]);
    expect(created.code, created.stderr).toBe(0);
    expect((await invoke('waiting')).LATER).toBe(sha256(MARKERS.LATER));
  }, 120_000);

  it('gives one key of a secret under another name (valueFrom.secretKeyRef), over envFrom, and leaves out an optional one that is absent', async () => {
    const env = {
      PASS: secretKeyRef('app', 'DB_PASSWORD'),
      // envFrom's tokens has a TOKEN too: an env entry wins, as in Kubernetes.
      TOKEN: secretKeyRef('app', 'API_KEY'),
      MAYBE: secretKeyRef('app', 'NOPE', true),
      GONE: secretKeyRef('nosuch', 'X', true),
    };
    expect((await applyFunction('picker', ['tokens'], env)).status).toBe(201);
    expect(await invoke('picker', ['PASS', 'TOKEN', 'DB_PASSWORD', 'API_KEY', 'MAYBE', 'GONE', 'PLAIN'])).toEqual({
      PASS: sha256(MARKERS.DB_PASSWORD),
      TOKEN: sha256(MARKERS.API_KEY),
      DB_PASSWORD: null,
      API_KEY: null,
      MAYBE: null,
      GONE: null,
      PLAIN: sha256('visible'),
    });
    const described = await cli(['describe', 'function', 'picker']);
    expect(described.stdout).toContain(
      'Env:              GONE <- secret/nosuch:X (optional), MAYBE <- secret/app:NOPE (optional), PASS <- secret/app:DB_PASSWORD, PLAIN',
    );
    expect(described.stdout).toContain('Env from:         secret/tokens');
  }, 120_000);

  it('waits with CreateContainerConfigError naming the secret and the key a secretKeyRef lacks, set by tide deploy --env-secret, until the key is there', async () => {
    const fnDir = join(inputs.path, 'reader');
    await mkdir(fnDir);
    await writeFile(join(fnDir, 'index.js'), READER);
    const late = await cli(['create', 'secret', 'late', '--from-literal', 'OTHER=not-the-key']);
    expect(late.code, late.stderr).toBe(0);
    const deployed = await cli(['deploy', fnDir, '--name', 'keywait', '--env-secret', 'LATE=late:KEY', '--no-wait']);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(await configError('keywait')).toBe("CreateContainerConfigError: couldn't find key KEY in Secret default/late");
    const refused = await cli(['deploy', fnDir, '--name', 'keywait', '--env-secret', 'LATE=other/late:KEY', '--no-wait']);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('SECRET is a name, without a namespace') });
    const put = await call('PUT', `${API}/namespaces/default/secrets/late`, {
      body: { apiVersion: 'tide.dev/v1', kind: 'Secret', metadata: { name: 'late' }, data: { OTHER: 'not-the-key', KEY: MARKERS.LATE_KEY } },
    });
    expect(put.status).toBe(200);
    expect(await invoke('keywait', ['LATE', 'KEY', 'OTHER'])).toEqual({ LATE: sha256(MARKERS.LATE_KEY), KEY: null, OTHER: null });
  }, 120_000);

  it('is kept from a viewer and from a developer of another namespace', async () => {
    expect((await call('PUT', `${API}/namespaces/other`, { body: { apiVersion: 'tide.dev/v1', kind: 'Namespace', metadata: { name: 'other' } } })).status).toBe(
      201,
    );
    const token = async (name: string, role: string, namespace: string) => {
      const made = await call('POST', `${API}/tokens`, {
        body: { apiVersion: 'tide.dev/v1', kind: 'Token', metadata: { name }, spec: { subject: { kind: 'user', roles: [{ role, namespaces: [namespace] }] } } },
      });
      expect(made.status).toBe(201);
      return (JSON.parse(made.text) as { token: string }).token;
    };
    const viewer = await token('viewer', 'viewer', 'default');
    const stranger = await token('stranger', 'developer', 'other');
    for (const path of [`${API}/namespaces/default/secrets`, `${API}/namespaces/default/secrets/app`]) {
      expect((await call('GET', path, { token: viewer })).status).toBe(403);
      expect((await call('GET', path, { token: stranger })).status).toBe(404);
    }
    // Nor may any person ask for the opened values a node gets.
    const pods = JSON.parse((await call('GET', `${API}/namespaces/default/pods`)).text) as { items: { metadata: { name: string } }[] };
    expect((await call('GET', `${API}/namespaces/default/pods/${pods.items[0]!.metadata.name}/secret-env`)).status).toBe(403);
    const viewerGet = await cli(['get', 'secrets'], viewer);
    expect(viewerGet.code).not.toBe(0);
    // A viewer sees which key a variable takes, as it sees envFrom, but no plain value.
    const picker = JSON.parse((await call('GET', `${API}/namespaces/default/functions/picker`, { token: viewer })).text) as { spec: { env: object } };
    expect(picker.spec.env).toMatchObject({ PLAIN: '(redacted)', PASS: secretKeyRef('app', 'DB_PASSWORD') });
  }, 60_000);

  it('leaves no marker in any file of the data directory, any API answer or CLI output, or the process output', async () => {
    // What the API shows of everything that touched the secrets, the event history included.
    for (const path of [
      `${API}/namespaces/default/secrets`,
      `${API}/namespaces/default/secrets/app`,
      `${API}/namespaces/default/secrets/tokens`,
      `${API}/namespaces/default/functions`,
      `${API}/namespaces/default/functions/reader`,
      `${API}/namespaces/default/functions/picker`,
      `${API}/namespaces/default/functions/keywait`,
      `${API}/namespaces/default/revisions`,
      `${API}/namespaces/default/pods`,
    ])
      expect((await call('GET', path)).status).toBe(200);
    const watch = new AbortController();
    const events = await request(`${tide!.url}${API}/events?watch=true&sendInitialEvents=true`, { headers: tide!.headers, signal: watch.signal });
    let history = '';
    const reading = (async () => {
      for await (const chunk of events.body) history += chunk.toString();
    })().catch(() => undefined);
    await eventually(
      async () => {
        if (!history.includes('"SecretApplied"') || !history.includes('"name":"later"')) throw new Error('history not read yet');
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    watch.abort();
    await reading;
    seen.push({ what: 'GET /events?watch=true', text: history });
    expect(history).toContain('"keys":{"API_KEY"');

    await stopTide(tide);
    const output = tide!.output();
    const files = await filesUnder(dir.path);
    let bytes = 0;
    let sealedEvents = 0;
    const found: string[] = [];
    for (const file of files) {
      const content = await readFile(file);
      bytes += content.length;
      sealedEvents += countOf(content, Buffer.from('"ciphertext"'));
      const count = countIn(content);
      if (count) found.push(`${file}: ${count}`);
    }
    const answers = seen.reduce((sum, s) => sum + Buffer.byteLength(s.text), 0);
    for (const { what, text } of [...seen, { what: 'tide up output', text: output }]) {
      const count = countIn(Buffer.from(text));
      if (count) found.push(`${what}: ${count}`);
    }
    const keyFile = await stat(join(dir.path, 'secret.key'));
    console.log(
      `secrets scan: ${Object.keys(MARKERS).length} markers × ${formsOf('x').length} forms; ${files.length} files, ${bytes} bytes under the data directory; ` +
        `${seen.length} API answers and CLI outputs (${answers} bytes); tide up output ${output.length} bytes; ${found.length} occurrences; ` +
        `${sealedEvents} sealed values on disk; files: ${files.map((f) => f.slice(dir.path.length + 1)).join(', ')}`,
    );
    expect(found).toEqual([]);
    // The values are there, sealed: the state log holds them (8 values, the log and maybe a snapshot).
    expect(sealedEvents).toBeGreaterThanOrEqual(8);
    expect(keyFile.mode & 0o777).toBe(0o600);
    // The search itself finds what it looks for.
    expect(countIn(Buffer.from(`x${Buffer.from(`ab${MARKERS.TOKEN}`).toString('base64')}`))).toBeGreaterThan(0);
  }, 60_000);
});
