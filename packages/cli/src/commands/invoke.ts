import { request } from 'undici';
import { CliError } from '../api-client.js';

/**
 * How the gateway marks the answers it gives itself (a header it strips from every pod's answer,
 * so a function cannot send it): the wire contract of @tide/gateway's error-response.ts, written
 * out here so that `tide invoke` does not load the gateway to read two strings.
 */
const GATEWAY_ERROR_HEADER = 'tide-error';
const GATEWAY_ERROR_VALUE = 'gateway';

export interface InvokeResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Set when the gateway answered itself (no such function, no pod, a timeout): what it said, not the function. */
  gatewayError?: string;
}

export interface InvokeOptions {
  namespace: string;
  name: string;
  path: string;
  method: string;
  data?: string | Uint8Array;
  headers: Record<string, string>;
}

/** `tide invoke <name> --async`: the gateway stores the call and answers 202 with its activation id. */
export async function invokeAsync(server: string, options: InvokeOptions): Promise<string> {
  const result = await call(server, 'async', options);
  if (result.status !== 202) {
    const why = result.gatewayError ?? result.body.toString().slice(0, 500);
    throw new CliError(`the gateway refused the async call (${result.status}): ${why}`, 1);
  }
  return (JSON.parse(result.body.toString()) as { activationId: string }).activationId;
}

/** `tide invoke <name>`: calls the function through the gateway and returns what it answered. */
export function invoke(server: string, options: InvokeOptions): Promise<InvokeResult> {
  return call(server, 'fn', options);
}

async function call(server: string, route: 'fn' | 'async', options: InvokeOptions): Promise<InvokeResult> {
  const url = `${server.replace(/\/+$/, '')}/${route}/${options.namespace}/${options.name}${options.path.startsWith('/') ? options.path : `/${options.path}`}`;
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(url, {
      method: options.method as 'GET',
      headers: options.headers,
      ...(options.data === undefined ? {} : { body: options.data }),
    });
  } catch (error) {
    throw new CliError(`cannot reach the gateway at ${server} (${(error as { code?: string }).code ?? (error as Error).message}): is \`tide up\` running?`);
  }
  const body = Buffer.from(await res.body.arrayBuffer());
  const result = { status: res.statusCode, headers: res.headers, body };
  return res.headers[GATEWAY_ERROR_HEADER] === GATEWAY_ERROR_VALUE ? { ...result, gatewayError: gatewayMessage(body) } : result;
}

/** The gateway's own answers are `{ "error": "..." }`; anything else is shown as it came. */
function gatewayMessage(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString()) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // Not JSON: fall through.
  }
  return body.toString();
}
