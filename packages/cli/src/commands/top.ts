import type { ApiClient } from '../api-client.js';
import { functionTopTable, nodeTopTable, redrawFrame, type FunctionTopView, type NodeTopView } from './top-view.js';

export interface TopOptions {
  what: 'functions' | 'nodes';
  namespace: string;
  allNamespaces: boolean;
  /** Print one snapshot and return: `--once`, or stdout is not a terminal. */
  once: boolean;
  refreshMs: number;
  /** Raw output to the terminal (escape sequences, no newline added). */
  write: (text: string) => void;
  print: (line: string) => void;
  /** Ends the live view (Ctrl-C). */
  signal: AbortSignal;
  now: () => Date;
}

/** The table `tide top` shows now, from the control plane's one summary of what every gateway and node reported. */
export async function topSnapshot(api: ApiClient, options: Pick<TopOptions, 'what' | 'namespace' | 'allNamespaces'>): Promise<string> {
  if (options.what === 'nodes') return nodeTopTable(await api.ok<NodeTopView>('GET', '/apis/tide.dev/v1/top/nodes'));
  const path = options.allNamespaces
    ? '/apis/tide.dev/v1/top/functions'
    : `/apis/tide.dev/v1/namespaces/${encodeURIComponent(options.namespace)}/top/functions`;
  return functionTopTable(await api.ok<FunctionTopView>('GET', path), options.allNamespaces);
}

/**
 * `tide top [nodes]`: once, or redrawn in place every `refreshMs` on the terminal's alternate
 * screen until interrupted (as htop), which then gives the terminal back as it was. A refresh that
 * fails shows why in place of the table and the next one tries again: a control plane restarting
 * should not end the view.
 */
export async function runTop(api: ApiClient, options: TopOptions): Promise<void> {
  if (options.once) return options.print(await topSnapshot(api, options));
  const scope = options.what === 'nodes' ? 'nodes' : options.allNamespaces ? 'functions, all namespaces' : `functions in ${options.namespace}`;
  options.write('\x1b[?1049h\x1b[?25l\x1b[2J');
  try {
    while (!options.signal.aborted) {
      let text: string;
      try {
        text = await topSnapshot(api, options);
      } catch (error) {
        text = `error: ${(error as Error).message}\n(retrying every ${options.refreshMs / 1000}s)`;
      }
      if (options.signal.aborted) break;
      const title = `tide top: ${scope} at ${api.server}, ${options.now().toTimeString().slice(0, 8)} (Ctrl-C to quit)`;
      options.write(redrawFrame(text, title));
      await untilNextRefresh(options.refreshMs, options.signal);
    }
  } finally {
    options.write('\x1b[?25h\x1b[?1049l');
  }
}

function untilNextRefresh(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
