/**
 * The dependency direction of DESIGN §2, checked by `npm run lint:boundaries` (dependency-cruiser).
 * Each rule's name says what it protects; its comment says why. test/lint/boundaries.test.ts proves
 * that a forbidden import fails the check.
 */

/** The pure core: a function of its inputs, so it can be tested with tables and run anywhere. */
const PURE = '^app/(policy|approvals|render)/';

/** Node built-ins that do IO. `crypto` (hashing, random ids) and `url`/`path` (string work) stay allowed. */
const IO_BUILTINS =
  '^(node:)?(fs|fs/promises|http|https|http2|net|tls|dgram|dns|dns/promises|child_process|cluster|worker_threads|readline|os|process|inspector|vm)$';

/** Packages that talk to the outside world: databases, GitHub, Slack, HTTP servers, logging, metrics. */
const IO_PACKAGES =
  '^node_modules/(better-sqlite3|pg|octokit|@octokit|probot|express|@slack|@discordjs|nodemailer|pino|prom-client|jose|@modelcontextprotocol|commander|@actions|undici|nock)/';

/** Where side effects are implemented or HTTP is spoken; services reach these only through ports. */
const IMPLEMENTATIONS =
  '^app/(adapters|http|github|cli|mcp-http)/|^app/(main|server|config)[.]ts$|^mcp/' +
  '|^app/slack/(integration|slack-interactions)[.]ts$|^app/webhooks/(integration|webhooks-router)[.]ts$' +
  '|^app/discord/(integration|discord-interactions)[.]ts$|^app/email/integration[.]ts$';

/** Services: app/services and the feature services next to their integrations (webhooks, Slack mirror). */
const SERVICES =
  '^app/services/|^app/webhooks/webhook-(service|events)[.]ts$|^app/slack/slack-mirror[.]ts$' +
  '|^app/discord/discord-mirror[.]ts$|^app/email/email-notifier[.]ts$';

module.exports = {
  forbidden: [
    {
      name: 'sdk-imports-nothing-of-ours',
      comment:
        'sdk/ is the published wire contract and client: it must build and run on its own, so it imports ' +
        'nothing from app/, mcp/, action/, bin/, bench/ or test/.',
      severity: 'error',
      from: { path: '^sdk/' },
      to: { path: '^(app|mcp|action|bin|bench|test)/' },
    },
    {
      name: 'sdk-does-no-node-io',
      comment: 'The SDK runs wherever fetch does (Node, Deno, browsers, Actions): no Node IO modules.',
      severity: 'error',
      from: { path: '^sdk/' },
      to: { dependencyTypes: ['core'], path: IO_BUILTINS },
    },
    {
      name: 'pure-core-does-no-io',
      comment:
        'app/policy, app/approvals and app/render are pure (DESIGN §2, STYLE "Pure core, IO at the edges"): ' +
        'no file system, network or process modules. Writing files belongs to scripts/ or the CLI.',
      severity: 'error',
      from: { path: PURE },
      to: { dependencyTypes: ['core'], path: IO_BUILTINS },
    },
    {
      name: 'pure-core-uses-only-pure-packages',
      comment:
        'The pure core may use data libraries (zod, yaml, re2js) but no package that talks to a database, ' +
        'GitHub, Slack, HTTP or a log.',
      severity: 'error',
      from: { path: PURE },
      to: { path: IO_PACKAGES },
    },
    {
      name: 'pure-core-imports-only-the-core',
      comment:
        'The pure core imports itself and the SDK wire schemas; from the rest of app/ only types of the ports ' +
        '(see pure-core-takes-only-port-types). Services, adapters, HTTP and handlers call the core, never ' +
        'the other way round.',
      severity: 'error',
      from: { path: PURE },
      to: { path: '^(app/|mcp/|action/|bin/|bench/|test/)', pathNot: `${PURE}|^app/ports/` },
    },
    {
      name: 'pure-core-takes-only-port-types',
      comment:
        'A pure module may name a port type (RequestRecord, CheckConclusion) but never run port code: ' +
        'import type only.',
      severity: 'error',
      from: { path: PURE },
      to: { path: '^app/ports/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'ports-are-interfaces',
      comment:
        'app/ports declares what the services need (Store, GitHubGateway, PolicyProvider, Clock); it must not ' +
        'depend on an implementation of them, on services, or on IO packages.',
      severity: 'error',
      from: { path: '^app/ports/' },
      to: {
        path: `${IMPLEMENTATIONS}|^app/(services|webhooks)/|${IO_PACKAGES}`,
      },
    },
    {
      name: 'services-use-ports-not-adapters',
      comment:
        'Services (app/services and the feature services next to their integrations) combine the pure core ' +
        'with ports. They never import an adapter, express, probot, a database or an HTTP router: the ' +
        'composition root hands them the implementations.',
      severity: 'error',
      from: { path: SERVICES },
      to: {
        path: `${IMPLEMENTATIONS}|^node_modules/(better-sqlite3|pg|octokit|@octokit|probot|express|@slack|@discordjs|nodemailer|prom-client|@modelcontextprotocol|commander|@actions)/`,
      },
    },
    {
      name: 'services-do-no-io-themselves',
      comment:
        'Services reach files, sockets and processes through ports, so tests run them with in-memory fakes.',
      severity: 'error',
      from: { path: SERVICES },
      to: { dependencyTypes: ['core'], path: IO_BUILTINS },
    },
    {
      name: 'adapters-only-in-composition-roots',
      comment:
        'Real adapters (SQLite, Octokit, Slack Web API, the SSRF-guarded HTTP sender, policy files) are built ' +
        'by app/main.ts, the one composition root of the server. The CLI is its own process and opens the ' +
        'local SQLite file and policy directory for its offline commands. Tests and benchmarks wire their own.',
      severity: 'error',
      from: { pathNot: '^app/(main[.]ts|cli/(admin|policy)-commands[.]ts|adapters/)|^(test|bench)/' },
      to: { path: '^app/adapters/' },
    },
    {
      name: 'stores-opened-in-one-place',
      comment:
        'DATABASE_URL selects the store (SQLite, or PostgreSQL for postgres://) in app/adapters/open-store.ts, and the cluster parts in open-cluster.ts; ' +
        'app/main.ts and the CLI open their store there, so no other code picks a database or depends on one ' +
        'adapter. Tests and benchmarks open the adapter they test.',
      severity: 'error',
      from: { pathNot: '^app/adapters/(open-(store|cluster)[.]ts|sqlite/|postgres/)|^(test|bench)/' },
      to: { path: '^app/adapters/(sqlite|postgres)/' },
    },
    {
      name: 'mcp-and-action-use-only-the-sdk',
      comment:
        'mcp/ and action/ are thin clients of the server: of our code they import only sdk/. (DESIGN §2 also ' +
        'allows app/policy for offline validation; neither uses it today, so it stays closed until one ' +
        'does.) The MCP HTTP transport, which needs server auth, lives in app/mcp-http/.',
      severity: 'error',
      from: { path: '^(mcp|action)/' },
      to: { path: '^(app|bin|bench|test)/' },
    },
    {
      name: 'app-reaches-mcp-only-through-mcp-http',
      comment:
        'The server mounts the MCP server in one place, app/mcp-http/ (Streamable HTTP behind server auth); ' +
        'nothing else in app/ depends on mcp/.',
      severity: 'error',
      from: { path: '^app/', pathNot: '^app/mcp-http/' },
      to: { path: '^mcp/' },
    },
    {
      name: 'action-bundle-stays-small',
      comment:
        'action/ is bundled into action/dist and run by the runner without npm install: no native or server ' +
        'packages in its graph (ECOSYSTEM §5).',
      severity: 'error',
      from: { path: '^action/', pathNot: '^action/build[.]ts$' },
      to: { path: '^node_modules/(better-sqlite3|pg|express|probot|@slack|pino|prom-client|commander)/' },
    },
    {
      name: 'source-does-not-import-tests',
      comment: 'Shipped code never depends on test helpers, fixtures or benchmarks.',
      severity: 'error',
      from: { path: '^(app|sdk|mcp|action)/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-runtime-cycles',
      comment:
        'A cycle of runtime imports makes load order matter (undefined at import time) and ties modules that ' +
        'should stand alone. Type-only cycles (sdk/client.ts ⇄ sdk/gate.ts) are harmless and allowed.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-unresolvable-imports',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-dev-dependencies-in-shipped-code',
      comment:
        'app/, sdk/ and mcp/ run from the published package, where devDependencies are not installed. ' +
        '(action/ is bundled, so its packages are devDependencies.)',
      severity: 'error',
      from: { path: '^(app|sdk|mcp)/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(action/dist|dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
