import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the `@switchboard/source`
// export condition, so the suite runs without a prior build.
const conditions = ['@switchboard/source', 'import', 'node', 'default'];
// Vitest also hands the SSR conditions to the worker as `node --conditions`, so they must not
// include `import`: CommonJS `require` would then load the ESM build of dual packages
// (pg requiring pg-pool fails with "Class extends value [object Module]").
const serverConditions = ['@switchboard/source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions: serverConditions } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    environment: 'node',
    // One PostgreSQL for the whole run; test files make databases on it (test-support/stores.ts).
    globalSetup: ['apps/server/src/test-support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real peers (PostgreSQL, SIPp...) bind ports; two workers keep this 2-core machine responsive.
    maxWorkers: 2,
  },
});
