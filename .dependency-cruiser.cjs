// The import arrows of docs/ARCHITECTURE.md, enforced. `npm run deps:check` runs this.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'protocol-packages-import-nothing-internal',
      comment: 'sip, media and flow stand alone (DESIGN.md): no other workspace package.',
      severity: 'error',
      from: { path: '^packages/(sip|media|flow)/' },
      to: { path: '^(packages/(?!\\1)[^/]+|apps)/', pathNot: '^packages/$1/' },
    },
    {
      name: 'contracts-import-nothing-internal',
      severity: 'error',
      from: { path: '^packages/contracts/' },
      to: { path: '^(packages/(sip|media|flow)|apps)/' },
    },
    {
      name: 'domain-is-pure',
      comment:
        'domain/ imports no SIP, media, web framework or database code: adapters implement its ports.',
      severity: 'error',
      from: { path: '^apps/server/src/domain/' },
      to: {
        path: [
          '^packages/(sip|media)/',
          '^apps/server/src/(api|persistence|telephony|integrations|cli|config|ops)/',
          'node_modules/(fastify|@fastify|kysely|better-sqlite3|pg|ws|pino)/',
        ],
      },
    },
    {
      name: 'api-talks-to-domain-not-protocols',
      comment: 'api/ talks to domain services, never to sip or media directly.',
      severity: 'error',
      from: { path: '^apps/server/src/api/' },
      to: { path: ['^packages/(sip|media)/', '^apps/server/src/(telephony|persistence)/'] },
    },
    {
      name: 'web-imports-contracts-and-browser-safe-flow-only',
      severity: 'error',
      from: { path: '^apps/web/' },
      to: { path: ['^packages/(sip|media)/', '^apps/server/'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      // Type-only cycles (two interfaces naming each other) vanish at runtime; a cycle with
      // any value import among its steps is still an error.
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.tests.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['@switchboard/source', 'import', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js'],
    },
  },
};
