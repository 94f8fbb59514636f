/**
 * The shell blocks of a README, cut into what a test runs: steps of ordinary commands (run as one
 * bash script, heredocs and all) and commands that run until Ctrl-C (started, awaited until ready,
 * interrupted at the end of their block). Pure: text in, plan out.
 */
export interface ReadmeBlock {
  /** The heading the block stands under. */
  section: string;
  /** The block's text, as written. */
  text: string;
  steps: ReadmeStep[];
}

export type ReadmeStep = { kind: 'script'; script: string; expected: string[] } | { kind: 'long-running'; command: string; ready: RegExp };

/** A comment that marks a command running until interrupted: `# runs until Ctrl-C`. */
const LONG_RUNNING = /#.*\bruns until Ctrl-C/i;
/** A comment that states output: `# → Ahoy, world!` (the block's output must contain it). */
const EXPECTED = /#\s*→\s*(.+)$/;

export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  let section = '';
  let fence: string[] | undefined;
  for (const line of markdown.split('\n')) {
    if (fence) {
      if (line.startsWith('```')) {
        blocks.push({ section, text: fence.join('\n'), steps: stepsOf(fence) });
        fence = undefined;
      } else fence.push(line);
      continue;
    }
    if (/^#{1,6} /.test(line)) section = line.replace(/^#+ /, '');
    else if (/^```(sh|bash|shell)\s*$/.test(line)) fence = [];
  }
  return blocks;
}

function stepsOf(lines: string[]): ReadmeStep[] {
  const steps: ReadmeStep[] = [];
  let script: string[] = [];
  const flush = () => {
    if (script.some((l) => l.trim() && !l.trim().startsWith('#'))) {
      const expected = script.map((l) => EXPECTED.exec(l)?.[1]?.trim()).filter((e): e is string => Boolean(e));
      steps.push({ kind: 'script', script: script.join('\n'), expected });
    }
    script = [];
  };
  for (const line of lines) {
    if (LONG_RUNNING.test(line)) {
      flush();
      const command = line.replace(/\s+#.*$/, '').trim();
      // `tide up` is ready when it says so; anything else once it has printed a line.
      steps.push({ kind: 'long-running', command, ready: /\btide up\b|npm start/.test(command) ? /Tide is up at/ : /\S/ });
    } else script.push(line);
  }
  flush();
  return steps;
}
