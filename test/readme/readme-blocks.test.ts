import { describe, expect, it } from 'vitest';
import { readmeBlocks } from './readme-blocks.js';

const README = `# Title
Some prose.

## Tour

\`\`\`sh
npx tide invoke greeter   # → Ahoy, world!
npx tide get functions
\`\`\`

\`\`\`js
not a shell block
\`\`\`

## Nodes
\`\`\`sh
npx tide up --nodes 3 --port 8090   # runs until Ctrl-C
npx tide get nodes --server http://127.0.0.1:8090
curl -X PUT http://x --data-binary @- <<YAML
kind: Function
YAML
npx tide events   # runs until Ctrl-C
\`\`\`
`;

describe('readmeBlocks', () => {
  const blocks = readmeBlocks(README);

  it('finds the shell blocks under their headings, and only those', () => {
    expect(blocks.map((b) => b.section)).toEqual(['Tour', 'Nodes']);
  });

  it('runs ordinary lines as one script and collects the output they state', () => {
    expect(blocks[0]!.steps).toEqual([
      { kind: 'script', script: 'npx tide invoke greeter   # → Ahoy, world!\nnpx tide get functions', expected: ['Ahoy, world!'] },
    ]);
  });

  it('starts commands that run until Ctrl-C on their own, keeping heredocs whole in the scripts between', () => {
    const steps = blocks[1]!.steps;
    expect(steps.map((s) => s.kind)).toEqual(['long-running', 'script', 'long-running']);
    expect(steps[0]).toMatchObject({ command: 'npx tide up --nodes 3 --port 8090', ready: /Tide is up at/ });
    expect(steps[1]).toMatchObject({ script: expect.stringContaining('<<YAML\nkind: Function\nYAML') });
    expect(steps[2]).toMatchObject({ command: 'npx tide events', ready: /\S/ });
  });
});
