import { request } from 'undici';
import { CliError, messageOf, refusalHint, type ApiClient } from '../api-client.js';

/** `tide logs <function>`: what its pods printed (`[pod] trace=<id> line`, or records with output json), and with `follow` what they print next. */
export async function functionLogs(
  api: ApiClient,
  options: {
    namespace: string;
    name: string;
    follow: boolean;
    tail?: number;
    pod?: string;
    sinceSeconds?: number;
    timestamps?: boolean;
    /** Only lines printed inside calls of this trace, filtered by the server (so a followed stream too). */
    traceId?: string;
    output?: 'text' | 'json';
    write: (text: string) => void;
    signal?: AbortSignal;
  },
) {
  const query = new URLSearchParams({
    ...(options.follow ? { follow: 'true' } : {}),
    ...(options.tail === undefined ? {} : { tail: String(options.tail) }),
    ...(options.pod ? { pod: options.pod } : {}),
    ...(options.sinceSeconds === undefined ? {} : { sinceSeconds: String(options.sinceSeconds) }),
    ...(options.timestamps ? { timestamps: 'true' } : {}),
    ...(options.traceId ? { traceId: options.traceId } : {}),
    ...(options.output === 'json' ? { format: 'json' } : {}),
  });
  const url = `${api.server}/apis/tide.dev/v1/namespaces/${encodeURIComponent(options.namespace)}/functions/${encodeURIComponent(options.name)}/logs?${query}`;
  let res;
  try {
    // A followed stream may be quiet for as long as the function is.
    res = await request(url, { headers: api.headers, signal: options.signal ?? null, bodyTimeout: options.follow ? 0 : 300_000 });
  } catch (error) {
    if (options.signal?.aborted) return;
    throw new CliError(
      `cannot reach the Tide API at ${api.server} (${(error as { code?: string }).code ?? (error as Error).message}): is \`tide up\` running?`,
    );
  }
  if (res.statusCode >= 400) {
    const text = await res.body.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: the text is the message
    }
    throw new CliError(`logs of ${options.namespace}/${options.name} (${res.statusCode}): ${messageOf(body)}${refusalHint(res.statusCode, api.credential)}`);
  }
  try {
    for await (const chunk of res.body) options.write((chunk as Buffer).toString('utf8'));
  } catch (error) {
    if (!options.signal?.aborted) throw error;
  }
}
