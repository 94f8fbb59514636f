import { request } from 'undici';
import { CliError } from '../api-client.js';

/** `tide invoke <name>`: calls the function through the gateway and returns what it answered. */
export async function invoke(
  server: string,
  options: { namespace: string; name: string; path: string; method: string; data?: string | Uint8Array; headers: Record<string, string> },
) {
  const url = `${server.replace(/\/+$/, '')}/fn/${options.namespace}/${options.name}${options.path.startsWith('/') ? options.path : `/${options.path}`}`;
  try {
    const res = await request(url, {
      method: options.method as 'GET',
      headers: options.headers,
      ...(options.data === undefined ? {} : { body: options.data }),
    });
    return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
  } catch (error) {
    throw new CliError(`cannot reach the gateway at ${server} (${(error as { code?: string }).code ?? (error as Error).message}): is \`tide up\` running?`);
  }
}
