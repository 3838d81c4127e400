/**
 * `npm run bench:cluster`: three AgentGate server processes on one fresh PostgreSQL database (issue
 * #17, item 6), load spread over them.
 *
 *   1. Creates per second of the three together (autocannon against each at once, keep-alive, after
 *      a warm-up of about as many requests per instance: 6 s for the three, 2 s for the single
 *      one): an auto-approved action, then a human-routed (pending) one. For comparison,
 *      the same load on one instance on a SQLite file (`BENCH_SQLITE=0` skips it), started beside
 *      the three and run interleaved with them (`BENCH_REPS` rounds, default 3: cluster, SQLite,
 *      cluster, …), so that a machine whose speed drifts during the benchmark weighs on both alike.
 *      Reported: medians and spread (min–max), the target judged on the medians. Under each, where
 *      the CPU went per create over its runs: the servers, this process (the load generator), the
 *      rest of the machine (PostgreSQL, so run it where nothing else is busy), and how many cores
 *      were busy. The processes not under load meanwhile are idle.
 *   2. Wake-up across instances: for each of `BENCH_WAKES` pending requests (default 300), a
 *      long-poll waiter on one instance and the decision sent to another, one at a time; timed
 *      from just before the decide request is written to the end of the waiter's response.
 *
 * The database: `BENCH_DATABASE_URL` (else `AGENTGATE_TEST_DATABASE_URL`, else
 * postgres://postgres@127.0.0.1:5432/test) names the server; a database `agentgate_bench_<random>`
 * is created on it for the run and dropped afterwards. `BENCH_SECONDS` sets the length of each
 * create run (default 10). Exit code 0 when the benchmark ran, 1 when it could not (with why).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { loadConfig } from '../app/config.js';
import { machineBusyMs, processCpuMs } from './lib/machine-load.js';
import {
  type Child,
  call,
  json,
  keepAliveAgent,
  percentile,
  sleep,
  startChild,
  stopChild,
} from './lib/server-process.js';
import { fmt, median, spread } from './lib/stats.js';

const SERVER_URL =
  process.env.BENCH_DATABASE_URL ??
  process.env.AGENTGATE_TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WAKES = Number(process.env.BENCH_WAKES ?? 300);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const CONNECTIONS_PER_INSTANCE = 10;
const WARM_UP_SECONDS = 2;
const TARGET_WAKE_P99_MS = 50;

const AUTO_BODY = JSON.stringify({ action: 'read_file', params: { path: '/srv/app/config.yaml' } });
const PENDING_BODY = JSON.stringify({ action: 'deploy', params: { service: 'api', env: 'production' } });
const POLICY = 'rules:\n  - name: reads\n    if: { action: "read_*" }\n    decision: auto_approve\n';

const waitAgent = new http.Agent({ keepAlive: false });

async function waiters(base: Child['base']): Promise<number> {
  const { body } = await call(base, 'GET', '/metrics', null).done;
  return Number(/^agentgate_waiters (\d+)/m.exec(body)?.[1] ?? Number.NaN);
}

/** CPU used so far (ms): by the servers, by this process (the load generator), by the whole machine. */
async function cpuNow(children: Child[]) {
  const servers = await Promise.all(children.map((child) => processCpuMs(child.pid)));
  const { user, system } = process.cpuUsage();
  return {
    servers: servers.reduce((sum, ms) => sum + ms, 0),
    load: (user + system) / 1000,
    machine: await machineBusyMs(),
  };
}

type CpuUse = Awaited<ReturnType<typeof cpuNow>>;

/** One create run: its rate, its creates, and the CPU used while it ran. */
interface CreateRun {
  perSecond: number;
  count: number;
  failed: number;
  p99: number;
  cpu: CpuUse;
  ms: number;
}

/** Creates per second of all `children` at once: the sum of each one's successful creates over the run. */
async function creates(children: Child[], key: string, body: string, seconds = SECONDS): Promise<CreateRun> {
  const before = await cpuNow(children);
  const results = await Promise.all(
    children.map((child) =>
      autocannon({
        url: `http://${child.base.host}:${child.base.port}/api/requests`,
        method: 'POST',
        connections: CONNECTIONS_PER_INSTANCE,
        duration: seconds,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body,
      }),
    ),
  );
  const after = await cpuNow(children);
  return {
    perSecond: results.reduce((sum, r) => sum + r['2xx'] / r.duration, 0),
    count: results.reduce((sum, r) => sum + r['2xx'], 0),
    failed: results.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    cpu: {
      servers: after.servers - before.servers,
      load: after.load - before.load,
      machine: after.machine - before.machine,
    },
    ms: seconds * 1000,
  };
}

/**
 * Where the CPU went per create over `runs`. What neither the servers nor the load generator used is
 * PostgreSQL (its backends, and its short-lived workers such as autovacuum, which a sum over
 * processes would miss), the kernel's share outside them, and anything else running.
 */
function cpuPerCreate(runs: readonly CreateRun[]): string {
  const total = (pick: (run: CreateRun) => number) => runs.reduce((sum, run) => sum + pick(run), 0);
  const count = Math.max(
    total((run) => run.count),
    1,
  );
  const per = (ms: number) => fmt((ms * 1000) / count);
  const servers = total((run) => run.cpu.servers);
  const load = total((run) => run.cpu.load);
  const machine = total((run) => run.cpu.machine);
  return (
    `CPU per create: servers ${per(servers)} µs, load generator ${per(load)} µs, ` +
    `the rest (PostgreSQL…) ${per(machine - servers - load)} µs; machine ${fmt(machine / total((run) => run.ms), 2)} of ${cpus().length} cores busy`
  );
}

/** `median (min–max) creates/s`-style cell, and the latency and failures of the runs. */
const rate = (runs: readonly CreateRun[]) =>
  spread(
    runs.map((run) => run.perSecond),
    fmt,
  );
const tail = (runs: readonly CreateRun[]) =>
  `p99 ${fmt(Math.max(...runs.map((run) => run.p99)))} ms, ${runs.reduce((sum, run) => sum + run.failed, 0)} failed`;
const medianRate = (runs: readonly CreateRun[]) => median(runs.map((run) => run.perSecond));

/** Fails with a clear message when this tree cannot serve from PostgreSQL yet. */
function requirePostgresStore(url: string): void {
  try {
    loadConfig({ DATABASE_URL: url, ADMIN_API_KEY: 'x'.repeat(32) });
  } catch (error) {
    throw new Error(
      `this tree's store is not PostgreSQL-capable yet, so the cluster cannot be benchmarked:\n  ${(error as Error).message}\n` +
        '  bench:cluster needs the PostgreSQL Store (issue #17, item 1: DATABASE_URL=postgres://… selects it).',
    );
  }
}

async function main(): Promise<void> {
  const database = `agentgate_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(SERVER_URL);
  url.pathname = `/${database}`;
  const databaseUrl = url.toString();
  requirePostgresStore(databaseUrl);
  const admin = new pg.Client({ connectionString: SERVER_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${SERVER_URL} (${(error as Error).message}); start it or set BENCH_DATABASE_URL`,
    );
  }

  const dir = await mkdtemp(join(tmpdir(), 'agentgate-bench-cluster-'));
  const children: Child[] = [];
  let created = false;
  const cleanup = async () => {
    await Promise.all(children.map((c) => stopChild(c).catch(() => undefined)));
    keepAliveAgent.destroy();
    waitAgent.destroy();
    if (created) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  const interrupted = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await admin.query(`CREATE DATABASE ${database}`);
    created = true;
    await writeFile(join(dir, 'policies.yaml'), POLICY);
    const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
    const env = (databaseUrl: string) => ({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      ADMIN_API_KEY: adminKey,
      AGENTGATE_POLICY_DIR: dir,
      LOG_LEVEL: 'warn',
    });
    // All three at once, as a rolling restart or a fresh deploy would: migrations run once.
    children.push(
      ...(await Promise.all([0, 1, 2].map(() => startChild(env(databaseUrl), { startTimeoutMs: 60_000 })))),
    );
    const health = await json<{ store?: string }>(
      call(children[0]!.base, 'GET', '/health', null).done,
      200,
      'health',
    );
    if (health.store !== undefined && health.store !== 'postgres') {
      throw new Error(
        `the servers report store "${health.store}", not "postgres": the PostgreSQL store is not wired yet`,
      );
    }
    console.log(
      `AgentGate cluster benchmark: 3 instances (ports ${children.map((c) => c.base.port).join(', ')}) on PostgreSQL ` +
        `database ${database}, node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()
          .map((l) => fmt(l, 2))
          .join(' ')}\n`,
    );

    const [a] = children as [Child];
    const makeKey = async (name: string, scopes: string[]) =>
      (
        await json<{ key: string }>(
          call(a.base, 'POST', '/api/api-keys', adminKey, JSON.stringify({ name, scopes })).done,
          201,
          name,
        )
      ).key;
    const agent = await makeKey('bench-agent', ['request:create', 'request:read']);
    const approver = await makeKey('bench-approver', ['request:decide', 'request:read']);

    // One SQLite instance beside the three, for comparison: idle while they are measured, and they
    // while it is.
    let single: { child: Child; key: string } | null = null;
    if (process.env.BENCH_SQLITE !== '0') {
      const child = await startChild(env(join(dir, 'agentgate.db')), { startTimeoutMs: 60_000 });
      children.push(child);
      const { key } = await json<{ key: string }>(
        call(
          child.base,
          'POST',
          '/api/api-keys',
          adminKey,
          JSON.stringify({ name: 'bench-agent', scopes: ['request:create'] }),
        ).done,
        201,
        'bench-agent (SQLite)',
      );
      single = { child, key };
    }
    const cluster = children.slice(0, 3);

    // JIT, pools and caches warm: each of the three serves a third of the load, so they warm up three
    // times as long as the single instance, for about as many requests each.
    await creates(cluster, agent, AUTO_BODY, 3 * WARM_UP_SECONDS);
    if (single) await creates([single.child], single.key, AUTO_BODY, WARM_UP_SECONDS);
    const clusterRuns = { auto: [] as CreateRun[], routed: [] as CreateRun[] };
    const singleRuns = { auto: [] as CreateRun[], routed: [] as CreateRun[] };
    for (let rep = 0; rep < REPS; rep += 1) {
      clusterRuns.auto.push(await creates(cluster, agent, AUTO_BODY));
      if (single) singleRuns.auto.push(await creates([single.child], single.key, AUTO_BODY));
      clusterRuns.routed.push(await creates(cluster, agent, PENDING_BODY));
      if (single) singleRuns.routed.push(await creates([single.child], single.key, PENDING_BODY));
    }

    const rows: string[][] = [];
    const report = (what: string, three: CreateRun[], sqlite: CreateRun[]) => {
      rows.push([`creates/s, ${what} (3 instances)`, rate(three), tail(three)]);
      rows.push(['', '', cpuPerCreate(three)]);
      if (sqlite.length === 0) return;
      const met = medianRate(three) >= medianRate(sqlite);
      rows.push([
        `creates/s, ${what} (1 instance, SQLite)`,
        rate(sqlite),
        `${tail(sqlite)}; cluster ≥ this (medians): ${met ? 'met' : 'NOT met'}`,
      ]);
      rows.push(['', '', cpuPerCreate(sqlite)]);
    };
    report('auto-approved', clusterRuns.auto, singleRuns.auto);
    report('routed to humans', clusterRuns.routed, singleRuns.routed);

    // Wake-up across instances: waiter on instance i % 3, decision on (i + 1) % 3.
    const wake: number[] = [];
    let wrong = 0;
    for (let i = 0; i < WAKES; i += 1) {
      const on = cluster[i % 3] as Child;
      const decider = cluster[(i + 1) % 3] as Child;
      const { id } = await json<{ id: string }>(
        call(decider.base, 'POST', '/api/requests', agent, PENDING_BODY).done,
        201,
        'create',
      );
      const before = await waiters(on.base);
      const waiting = call(
        on.base,
        'GET',
        `/api/requests/${id}/wait?timeout=60`,
        agent,
        undefined,
        waitAgent,
      ).done;
      while ((await waiters(on.base)) <= before) await sleep(1);
      const sent = performance.now();
      const [decided, answered] = await Promise.all([
        call(
          decider.base,
          'POST',
          `/api/requests/${id}/decide`,
          approver,
          JSON.stringify({ decision: 'approved' }),
        ).done,
        waiting,
      ]);
      if (decided.status !== 200 || !answered.body.includes('"status":"approved"')) wrong += 1;
      else wake.push(answered.at - sent);
    }
    wake.sort((x, y) => x - y);
    const p99 = percentile(wake, 99);
    rows.push([
      `decision → waiter on another instance (${wake.length})`,
      `p50 ${fmt(percentile(wake, 50), 1)} ms`,
      `p99 ${fmt(p99, 1)} ms (target ≤ ${TARGET_WAKE_P99_MS}: ${p99 <= TARGET_WAKE_P99_MS ? 'met' : 'NOT met'}), max ${fmt(wake.at(-1) ?? Number.NaN, 1)} ms${wrong ? `, ${wrong} wrong` : ''}`,
    ]);

    const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
    for (const r of rows)
      console.log(
        r
          .map((cell, c) => cell.padEnd(widths[c] ?? 0))
          .join('  ')
          .trimEnd(),
      );
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench:cluster could not run: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
