import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';

/**
 * Stack traces that name the function's own files and lines, paid for only when a stack is printed.
 * `tide deploy` bundles a function with an inline source map. Node's --enable-source-maps (or
 * process.setSourceMapsEnabled before the import) would parse it on every cold start, ~10 ms here;
 * instead V8's Error.prepareStackTrace hook, which runs the first time an error's `stack` is read,
 * maps the frames that lie in the artifact, reading and parsing the map at the first such stack.
 * Covers the stacks the runtime logs (a throw, a failed waitUntil, an unhandled rejection) and
 * those the function logs itself (`console.error(error)`).
 */
export function mapStacksOf(artifactUrl: string, artifactPath: string): void {
  let map: SourceMap | null | undefined;
  const sourceMap = () => (map === undefined ? (map = readInlineSourceMap(artifactPath)) : map);
  Error.prepareStackTrace = (error, frames) => {
    const lines = frames.map((frame) => `\n    at ${mappedFrame(frame, artifactUrl, sourceMap)}`);
    return `${header(error)}${lines.join('')}`;
  };
}

function mappedFrame(frame: NodeJS.CallSite, artifactUrl: string, sourceMap: () => SourceMap | null): string {
  const text = String(frame);
  const line = frame.getLineNumber();
  const column = frame.getColumnNumber();
  if (frame.getFileName() !== artifactUrl || line === null || column === null) return text;
  const map = sourceMap();
  const origin = map?.findOrigin(line, column);
  if (!origin || !('fileName' in origin)) return text;
  const at = `${artifactUrl}:${line}:${column}`;
  return text.replace(at, `${origin.fileName}:${origin.lineNumber}:${origin.columnNumber}`);
}

/** The first line V8 itself would print: `Name: message`. */
function header(error: Error): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return '<error>';
  }
}

const INLINE_MAP = '//# sourceMappingURL=data:application/json;base64,';

/** The map esbuild appended to the artifact, or null when it has none (a stack is then left as it is). */
function readInlineSourceMap(artifactPath: string): SourceMap | null {
  try {
    const text = readFileSync(artifactPath, 'utf8');
    const at = text.lastIndexOf(INLINE_MAP);
    if (at < 0) return null;
    const encoded = text.slice(at + INLINE_MAP.length).trim();
    return new SourceMap(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')));
  } catch {
    return null;
  }
}
