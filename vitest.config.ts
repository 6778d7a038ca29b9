import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the `@switchboard/source`
// export condition, so the suite runs without a prior build.
const conditions = ['@switchboard/source', 'import', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real peers (PostgreSQL, SIPp...) bind ports; two workers keep this 2-core machine responsive.
    maxWorkers: 2,
  },
});
