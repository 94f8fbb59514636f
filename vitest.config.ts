import { defineConfig } from 'vitest/config';

// Tests run against each package's TypeScript source (the "source" export condition);
// processes spawned by end-to-end tests run the built dist/ files, so `npm test` builds first.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'functions/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/cli-config-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    maxWorkers: 2,
  },
});
