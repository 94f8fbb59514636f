import { request } from 'undici';
import { CliError, refusalHint, type ApiClient } from '../api-client.js';

const TYPE_WIDTH = 22;
const OBJECT_WIDTH = 40;

export const EVENTS_HEADER = `${'OFFSET'.padStart(6)}  ${'TIME'.padEnd(24)}  ${'TYPE'.padEnd(TYPE_WIDTH)}  ${'OBJECT'.padEnd(OBJECT_WIDTH)}  VERDICT`;

/**
 * `tide events`: the state log's history (from offset `from`, default the first the log holds)
 * under a header, then every new event as it is appended, one line each.
 */
export async function followEvents(api: ApiClient, options: { from?: number; print: (line: string) => void; signal?: AbortSignal }) {
  // The watch streams events after its resourceVersion: offset N on means after N-1.
  const query = !options.from ? '&sendInitialEvents=true' : `&resourceVersion=${options.from - 1}`;
  let res;
  try {
    res = await request(`${api.server}/apis/tide.dev/v1/events?watch=true${query}`, { headers: api.headers, signal: options.signal ?? null });
  } catch (error) {
    throw new CliError(
      `cannot reach the Tide API at ${api.server} (${(error as { code?: string }).code ?? (error as Error).message}): is \`tide up\` running?`,
    );
  }
  if (res.statusCode >= 400)
    throw new CliError(`watching events failed (${res.statusCode}): ${await res.body.text()}${refusalHint(res.statusCode, api.credential)}`);
  options.print(EVENTS_HEADER);
  let buffer = '';
  try {
    for await (const chunk of res.body) {
      buffer += chunk.toString();
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = message.split('\n').find((l) => l.startsWith('data: '));
        if (data) options.print(describeEvent(JSON.parse(data.slice(6)) as LoggedEventView));
      }
    }
  } catch (error) {
    if (!options.signal?.aborted) throw error;
  }
}

interface LoggedEventView {
  offset: number;
  type: string;
  time: string;
  data: Record<string, unknown> & { manifest?: { metadata: { name: string } } };
  verdict: { accepted: boolean; reason?: string };
}

/** One event as a row under EVENTS_HEADER: offset, time, type, the object it concerns, accepted or why not. */
export function describeEvent(event: LoggedEventView): string {
  const d = event.data;
  const subject = d.manifest ? `${String(d.namespace)}/${d.manifest.metadata.name}` : [d.namespace, d.name].filter(Boolean).join('/');
  const extra = d.node ? ` node=${String(d.node)}` : '';
  const phase = d.phase ? ` ${String(d.phase)}` : '';
  const verdict = event.verdict.accepted ? 'accepted' : `REJECTED: ${event.verdict.reason}`;
  return `${String(event.offset).padStart(6)}  ${event.time.padEnd(24)}  ${event.type.padEnd(TYPE_WIDTH)}  ${`${subject}${phase}${extra}`.padEnd(OBJECT_WIDTH)}  ${verdict}`;
}
