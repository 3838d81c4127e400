/**
 * `npm run bench:server`: the approval server under load, as its own process on a fresh SQLite file,
 * measured side by side with the framework it runs on.
 *
 *   1. Creates per second over HTTP (autocannon, keep-alive, 20 connections, audit on as always),
 *      against a baseline started in the same run with the same load settings: an express 5
 *      hello-world that parses the same JSON body (`lib/express-baseline.ts`). Three repetitions,
 *      interleaved (baseline, ours, baseline, ours, …), of an auto-approved create, a human-routed
 *      (pending) one, and an auto-approved one on a server with `AGENTGATE_SQLITE_SYNCHRONOUS=normal`
 *      (what the default fsync per group commit costs). Each of our runs is compared with the mean
 *      of the baseline runs just before and after it. Reported: medians and spread (min–max) of
 *      creates/s and server CPU µs per request, absolute and as a ratio to the baseline — the ratio
 *      is the figure that holds from one machine to another.
 *   2. Wake-up latency with 1,000 connected long-poll waiters: decisions sent one at a time (each
 *      waits for the previous decision and its waiter to finish), timed from just before the decide
 *      request is written to the end of that waiter's response. Then the same with 10 decisions in
 *      flight, to show the latency under concurrent decides.
 *   3. Memory for 10,000 connected long-poll waiters: the server's VmRSS before (on a collected heap)
 *      and after they are all connected.
 *
 * The load average is printed before each block, and every run records the CPU other processes used
 * meanwhile: a run where they used more than `BUSY_CORES` is flagged as taken under load, and its
 * absolute figures are not judged against targets (ratios still are, flagged).
 *
 * The load generator runs in this process, each server in a child (`bench/lib/serve-entry.ts`), so
 * they do not share an event loop. Knobs (environment): `BENCH_ONLY=creates|wake|memory` runs one
 * part; `BENCH_CPU_PROF=<dir>` writes a V8 CPU profile of each server there; `BENCH_SECONDS` sets the
 * length of each create run (default 10); `BENCH_CONNECTIONS` their connections (default 20).
 *
 * Exit code: 0 when the benchmark ran (targets met or not; see the table), 1 when it could not run.
 * The children and the temporary directory are removed in every case.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { BUSY_CORES, busyBeforeStart, loadLine, machineBusyMs } from './lib/machine-load.js';
import {
  BASELINE_ENTRY,
  type Child,
  call,
  json,
  keepAliveAgent,
  percentile,
  type Reply,
  sleep,
  startChild,
  stopChild,
} from './lib/server-process.js';
import { fmt, median, spread } from './lib/stats.js';

/** Creates/s as a share of the baseline's requests/s in the same run; p99 at `CONNECTIONS`. */
const TARGET = { autoRatio: 0.7, routedRatio: 0.6, createP99Ms: 20, wakeP99Ms: 20, extraRssMb: 150 };
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const REPETITIONS = 3;
const WARM_UP_SECONDS = 2;
const MAIN_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WAKE_WAITERS = 1000;
const WAKE_IN_FLIGHT = 10;
const MEMORY_WAITERS = 10_000;
const ONLY = process.env.BENCH_ONLY;
const runs = (part: 'creates' | 'wake' | 'memory') => ONLY === undefined || ONLY === part;

const AUTO_BODY = JSON.stringify({ action: 'read_file', params: { path: '/srv/app/config.yaml' } });
const PENDING_BODY = JSON.stringify({ action: 'deploy', params: { service: 'api', env: 'production' } });
const POLICY = 'rules:\n  - name: reads\n    if: { action: "read_*" }\n    decision: auto_approve\n';

// ---------------------------------------------------------------------------------------------
// The server process

async function vmRssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb);
}

interface Usage {
  memory: NodeJS.MemoryUsage;
  cpu: NodeJS.CpuUsage;
  elu: { idle: number; active: number };
}

/** The child's memory, CPU time and event-loop counters; `gc` collects garbage (twice) first. */
function usage(child: Child, options: { gc?: boolean; snapshotDir?: string } = {}): Promise<Usage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not answer a usage message')), 60_000);
    const onMessage = (message: { type?: string } & Usage) => {
      if (message?.type !== 'usage') return;
      clearTimeout(timer);
      child.proc.off('message', onMessage);
      resolve(message);
    };
    child.proc.on('message', onMessage);
    child.proc.send({ type: 'usage', ...options });
  });
}

/** Server CPU (user + system) and event-loop busy share between two usage readings. */
function serverLoad(before: Usage, after: Usage, wallMs: number) {
  const cpuMs = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000;
  const active = after.elu.active - before.elu.active;
  const idle = after.elu.idle - before.elu.idle;
  return { cpuMs, cpuShare: cpuMs / wallMs, elu: active / (active + idle) };
}

// ---------------------------------------------------------------------------------------------
// HTTP from the load generator

/** Long-polls: one connection each, closed after the answer. */
const waitAgent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

async function waitersConnected(base: Child['base']): Promise<number> {
  const { body } = await call(base, 'GET', '/metrics', null).done;
  return Number(/^agentgate_waiters (\d+)/m.exec(body)?.[1] ?? Number.NaN);
}

/** Polls the `agentgate_waiters` gauge until it reaches `count`. */
async function untilWaiters(
  base: Child['base'],
  count: number,
  timeoutMs: number,
  pollMs = 50,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const now = await waitersConnected(base);
    if (now >= count) return now;
    if (performance.now() > deadline) throw new Error(`only ${now} of ${count} waiters connected`);
    await sleep(pollMs);
  }
}

interface Waiter {
  id: string;
  done: Promise<Reply>;
  req: http.ClientRequest;
}

/**
 * Opens one long-poll per id, `batch` at a time, and before the next batch waits until the server
 * has taken every one so far (the `agentgate_waiters` gauge). A connect completes in the kernel
 * before the server accepts it, so without that pacing the accept queue (backlog 511) overflows and
 * each dropped SYN is retried a whole second later, which would only measure the kernel.
 */
async function openWaiters(
  base: Child['base'],
  key: string,
  ids: string[],
  batch: number,
): Promise<Waiter[]> {
  const already = await waitersConnected(base);
  const waiters: Waiter[] = [];
  for (let i = 0; i < ids.length; i += batch) {
    for (const id of ids.slice(i, i + batch)) {
      const { done, req } = call(
        base,
        'GET',
        `/api/requests/${id}/wait?timeout=60`,
        key,
        undefined,
        waitAgent,
      );
      // Released waiters are destroyed on purpose; their errors are expected.
      done.catch(() => {});
      waiters.push({ id, done, req });
    }
    await untilWaiters(base, already + waiters.length, 30_000, 5);
  }
  return waiters;
}

// ---------------------------------------------------------------------------------------------
// Measurements

interface CannonRun {
  connections: number;
  /** Server CPU time per successful create, in microseconds. */
  cpuUsPerCreate: number;
  /** Server CPU time over wall time (1 = one core busy). */
  cpuShare: number;
  /** Share of the time the server's event loop was busy. */
  elu: number;
  /** CPU used by this load generator, and by every other process on the machine (1 = one core). */
  benchShare: number;
  othersShare: number;
  seconds: number;
  perSecond: number;
  ok: number;
  failed: number;
  p50: number;
  p99: number;
}

async function cannon(
  child: Child,
  key: string,
  body: string,
  connections: number,
  seconds: number,
  ids?: string[],
): Promise<CannonRun> {
  const { base } = child;
  const before = await usage(child);
  const benchBefore = process.cpuUsage();
  const machineBefore = await machineBusyMs();
  const started = performance.now();
  const result = await autocannon({
    url: `http://${base.host}:${base.port}/api/requests`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body,
    ...(ids && {
      requests: [
        {
          onResponse: (status: number, responseBody: string) => {
            const id = status === 201 ? /"id":"([^"]+)"/.exec(responseBody)?.[1] : undefined;
            if (id) ids.push(id);
          },
        },
      ],
    }),
  });
  const wallMs = performance.now() - started;
  const machineMs = (await machineBusyMs()) - machineBefore;
  const bench = process.cpuUsage(benchBefore);
  const benchMs = (bench.user + bench.system) / 1000;
  const load = serverLoad(before, await usage(child), wallMs);
  const ok = result['2xx'];
  return {
    connections,
    benchShare: benchMs / wallMs,
    othersShare: Math.max(0, (machineMs - benchMs - load.cpuMs) / wallMs),
    cpuUsPerCreate: (load.cpuMs * 1000) / ok,
    cpuShare: load.cpuShare,
    elu: load.elu,
    seconds: result.duration,
    perSecond: ok / result.duration,
    ok,
    failed: result.non2xx + result.errors + result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

interface WakeRun {
  waiters: number;
  p50: number;
  p99: number;
  max: number;
  decideP50: number;
  wrong: number;
  /** CPU used by other processes than the server and this load generator while deciding (1 = one core). */
  othersShare: number;
}

/** Decides every waiter's request, `inFlight` decisions at a time, timing decide → waiter's answer. */
async function measureWakeups(
  child: Child,
  waiterKey: string,
  deciderKey: string,
  ids: string[],
  inFlight: number,
): Promise<WakeRun> {
  const { base } = child;
  const waiters = await openWaiters(base, waiterKey, ids, 200);
  await sleep(200);
  const serverBefore = await usage(child);
  const benchBefore = process.cpuUsage();
  const machineBefore = await machineBusyMs();
  const started = performance.now();
  const wake: number[] = [];
  const decide: number[] = [];
  let wrong = 0;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const waiter = waiters[next++];
      if (!waiter) return;
      const body = JSON.stringify({ decision: 'approved', reason: 'bench' });
      const sent = performance.now();
      const decided = call(base, 'POST', `/api/requests/${waiter.id}/decide`, deciderKey, body).done;
      const [d, w] = await Promise.all([decided.catch(() => null), waiter.done.catch(() => null)]);
      if (!d || !w || d.status !== 200 || w.status !== 200 || !w.body.includes('"status":"approved"')) {
        wrong += 1;
        continue;
      }
      wake.push(w.at - sent);
      decide.push(d.at - sent);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const wallMs = performance.now() - started;
  const machineMs = (await machineBusyMs()) - machineBefore;
  const bench = process.cpuUsage(benchBefore);
  const server = serverLoad(serverBefore, await usage(child), wallMs);
  const othersShare = Math.max(0, (machineMs - (bench.user + bench.system) / 1000 - server.cpuMs) / wallMs);
  wake.sort((a, b) => a - b);
  decide.sort((a, b) => a - b);
  return {
    waiters: ids.length,
    p50: percentile(wake, 50),
    p99: percentile(wake, 99),
    max: wake.at(-1) ?? Number.NaN,
    decideP50: percentile(decide, 50),
    wrong,
    othersShare,
  };
}

interface MemoryRun {
  waiters: number;
  baselineKb: number;
  connectedKb: number;
  settledKb: number;
  releasedKb: number;
  before: NodeJS.MemoryUsage;
  after: NodeJS.MemoryUsage;
  connectSeconds: number;
}

async function measureMemory(child: Child, key: string, ids: string[]): Promise<MemoryRun> {
  const before = await usage(child, { gc: true });
  await sleep(300);
  const baselineKb = await vmRssKb(child.pid);
  const started = performance.now();
  const waiters = await openWaiters(child.base, key, ids, 500);
  const connectSeconds = (performance.now() - started) / 1000;
  await sleep(500);
  const connectedKb = await vmRssKb(child.pid);
  const snapshotDir = process.env.BENCH_HEAP_SNAPSHOT;
  const after = await usage(child, { gc: true, ...(snapshotDir && { snapshotDir }) });
  await sleep(300);
  const settledKb = await vmRssKb(child.pid);
  for (const waiter of waiters) waiter.req.destroy();
  await untilZero(child.base);
  const releasedKb = await vmRssKb(child.pid);
  return {
    waiters: ids.length,
    baselineKb,
    connectedKb,
    settledKb,
    releasedKb,
    before: before.memory,
    after: after.memory,
    connectSeconds,
  };
}

async function untilZero(base: Child['base']): Promise<void> {
  const deadline = performance.now() + 20_000;
  while ((await waitersConnected(base)) > 0 && performance.now() < deadline) await sleep(100);
}

/** Creates pending requests over keep-alive connections, `concurrency` at a time. */
async function createPending(base: Child['base'], key: string, count: number, into: string[]): Promise<void> {
  let left = count;
  const worker = async () => {
    while (left-- > 0) {
      const created = await json<{ id: string }>(
        call(base, 'POST', '/api/requests', key, PENDING_BODY).done,
        201,
        'create',
      );
      into.push(created.id);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

// ---------------------------------------------------------------------------------------------
// Report

const rows: string[][] = [];
/** Some create runs were taken while other processes used more than `BUSY_CORES`. */
let underLoad = false;
const verdict = (met: boolean) => (met ? 'target met' : 'MISSED');
function row(what: string, value: string, target = '', status = '') {
  rows.push([what, value, target, status]);
  console.log(`  ${what}: ${value}${status ? `  [${status}]` : ''}`);
}

/** One series of create runs of ours, each with the baseline runs just before and after it. */
interface Series {
  label: string;
  child: Child;
  key: string;
  body: string;
  /** Collects the ids of created requests (pending ones, for parts 2 and 3). */
  ids?: string[];
  /** The minimum share of the baseline's rate, when this series has a target. */
  target?: number;
  runs: { run: CannonRun; baseline: { perSecond: number; cpuUs: number; busy: boolean } }[];
}

const isBusy = (run: CannonRun) => run.othersShare > BUSY_CORES;
const pct = (n: number) => `${fmt(n * 100)}%`;

function seriesRows(series: Series): void {
  const runs = series.runs;
  const busy = runs.some(({ run, baseline }) => isBusy(run) || baseline.busy);
  const flag = busy ? ' *' : '';
  const ratios = runs.map(({ run, baseline }) => run.perSecond / baseline.perSecond);
  const failed = runs.reduce((sum, { run }) => sum + run.failed, 0);
  row(
    `${series.label}: creates/s vs baseline${flag}`,
    `${spread(ratios, pct)} of the baseline's rate${failed ? `  (${fmt(failed)} failed)` : ''}`,
    series.target === undefined ? '' : `>= ${pct(series.target)}`,
    series.target === undefined
      ? ''
      : verdict(median(ratios) >= series.target && failed === 0) + (busy ? ' (under load)' : ''),
  );
  row(
    `  creates/s${flag}`,
    `${spread(
      runs.map(({ run }) => run.perSecond),
      (n) => `${fmt(n)}/s`,
    )}; baseline ${spread(
      runs.map(({ baseline }) => baseline.perSecond),
      (n) => `${fmt(n)}/s`,
    )}`,
  );
  const p99s = runs.map(({ run }) => run.p99);
  const judged = series.target !== undefined;
  row(
    `  latency at ${CONNECTIONS} connections${flag}`,
    `p50 ${spread(
      runs.map(({ run }) => run.p50),
      (n) => `${fmt(n)} ms`,
    )}, p99 ${spread(p99s, (n) => `${fmt(n)} ms`)}`,
    judged ? `p99 <= ${TARGET.createP99Ms} ms` : '',
    judged ? (busy ? 'not judged (under load)' : verdict(median(p99s) <= TARGET.createP99Ms)) : '',
  );
  row(
    `  server CPU per request${flag}`,
    `${spread(
      runs.map(({ run }) => run.cpuUsPerCreate),
      (n) => `${fmt(n)} µs`,
    )}; baseline ${spread(
      runs.map(({ baseline }) => baseline.cpuUs),
      (n) => `${fmt(n)} µs`,
    )}; ours/baseline ${spread(
      runs.map(({ run, baseline }) => run.cpuUsPerCreate / baseline.cpuUs),
      (n) => `${fmt(n, 2)}×`,
    )}`,
  );
  row(
    '  rest of the machine',
    `load generator ${spread(
      runs.map(({ run }) => run.benchShare),
      (n) => fmt(n, 2),
    )} cores, other processes ${spread(
      runs.map(({ run }) => run.othersShare),
      (n) => fmt(n, 2),
    )} cores (of ${cpus().length})`,
  );
}

/**
 * Baseline, then each series, then the baseline again, `REPETITIONS` times (so ours and the baseline
 * alternate, and every run of ours has a baseline run on either side); a run of ours is compared
 * with the mean of those two.
 */
async function sideBySide(baseline: Child, all: Series[]): Promise<void> {
  const baselineRun = async () => {
    const run = await cannon(baseline, 'none', AUTO_BODY, CONNECTIONS, MAIN_SECONDS);
    if (run.failed > 0) throw new Error(`the express baseline failed ${run.failed} requests`);
    console.log(
      `    baseline: ${fmt(run.perSecond)}/s, p99 ${run.p99} ms, ${fmt(run.cpuUsPerCreate)} µs CPU/request, ` +
        `others ${fmt(run.othersShare, 2)} cores${isBusy(run) ? '  (under load)' : ''}`,
    );
    return run;
  };
  let before = await baselineRun();
  for (let rep = 1; rep <= REPETITIONS; rep += 1) {
    console.log(`  repetition ${rep} of ${REPETITIONS}, ${loadLine()}`);
    for (const series of all) {
      const run = await cannon(series.child, series.key, series.body, CONNECTIONS, MAIN_SECONDS, series.ids);
      console.log(
        `    ${series.label}: ${fmt(run.perSecond)}/s, p99 ${run.p99} ms, ${fmt(run.cpuUsPerCreate)} µs CPU/create, ` +
          `others ${fmt(run.othersShare, 2)} cores${isBusy(run) ? '  (under load)' : ''}` +
          (run.failed ? `, ${fmt(run.failed)} failed` : ''),
      );
      const after = await baselineRun();
      series.runs.push({
        run,
        baseline: {
          perSecond: (before.perSecond + after.perSecond) / 2,
          cpuUs: (before.cpuUsPerCreate + after.cpuUsPerCreate) / 2,
          busy: isBusy(before) || isBusy(after),
        },
      });
      before = after;
    }
  }
}

function printTable(): void {
  const head = ['measurement', 'result', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  console.log(`\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows) console.log(line(r));
}

// ---------------------------------------------------------------------------------------------

/** Starts one of our servers on a fresh SQLite file in `dir`, with keys for the benchmark. */
async function startOurs(dir: string, name: string, env: Record<string, string> = {}) {
  const admin = `bench-admin-${randomBytes(16).toString('hex')}`;
  const child = await startChild({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: join(dir, `${name}.db`),
    ADMIN_API_KEY: admin,
    AGENTGATE_POLICY_DIR: dir,
    LOG_LEVEL: 'warn',
    ...env,
  });
  const { base } = child;
  const makeKey = async (keyName: string, scopes: string[]) =>
    (
      await json<{ key: string }>(
        call(base, 'POST', '/api/api-keys', admin, JSON.stringify({ name: keyName, scopes })).done,
        201,
        `create key ${keyName}`,
      )
    ).key;
  const agent = await makeKey('bench-agent', ['request:create']);
  const approver = await makeKey('bench-approver', ['request:decide', 'request:read']);
  // Sanity: the policy routes as the benchmark assumes.
  const probeAuto = await json<{ status: string }>(
    call(base, 'POST', '/api/requests', agent, AUTO_BODY).done,
    201,
    'create',
  );
  const probePending = await json<{ status: string }>(
    call(base, 'POST', '/api/requests', agent, PENDING_BODY).done,
    201,
    'create',
  );
  if (probeAuto.status !== 'approved' || probePending.status !== 'pending') {
    throw new Error(`policy did not route as expected: ${probeAuto.status}, ${probePending.status}`);
  }
  return { child, agent, approver };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'agentgate-bench-'));
  const children: Child[] = [];
  const cleanup = async () => {
    await Promise.all(children.map((c) => stopChild(c).catch(() => {})));
    keepAliveAgent.destroy();
    waitAgent.destroy();
    await rm(dir, { recursive: true, force: true });
  };
  const interrupted = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await writeFile(join(dir, 'policies.yaml'), POLICY);
    const ours = await startOurs(dir, 'agentgate');
    children.push(ours.child);
    const { child, agent, approver } = ours;
    const { base } = child;
    console.log(
      `AgentGate server benchmark: server pid ${child.pid} on port ${base.port}, SQLite in ${dir}, ` +
        `LOG_LEVEL=warn, node ${process.version}, ${loadLine()}`,
    );
    if (busyBeforeStart()) {
      console.log('  (the machine is already busy: absolute rates are lower than on an idle machine)');
    }
    console.log('');

    const pendingIds: string[] = [];

    if (runs('creates')) {
      const baseline = await startChild({}, { entry: BASELINE_ENTRY });
      children.push(baseline);
      const normal = await startOurs(dir, 'agentgate-normal', { AGENTGATE_SQLITE_SYNCHRONOUS: 'normal' });
      children.push(normal.child);
      console.log(
        `1. Creates per second (autocannon, POST /api/requests, keep-alive, ${CONNECTIONS} connections, ` +
          `${MAIN_SECONDS} s runs), side by side with an express 5 + express.json() hello-world ` +
          `(pid ${baseline.pid}); synchronous=normal server pid ${normal.child.pid}`,
      );
      console.log(`  warm-up (JIT, SQLite page cache), ${loadLine()}`);
      await cannon(baseline, 'none', AUTO_BODY, CONNECTIONS, WARM_UP_SECONDS);
      await cannon(child, agent, AUTO_BODY, CONNECTIONS, WARM_UP_SECONDS);
      await cannon(child, agent, PENDING_BODY, CONNECTIONS, WARM_UP_SECONDS, pendingIds);
      await cannon(normal.child, normal.agent, AUTO_BODY, CONNECTIONS, WARM_UP_SECONDS);
      const all: Series[] = [
        { label: 'auto-approved', child, key: agent, body: AUTO_BODY, target: TARGET.autoRatio, runs: [] },
        {
          label: 'human-routed',
          child,
          key: agent,
          body: PENDING_BODY,
          ids: pendingIds,
          target: TARGET.routedRatio,
          runs: [],
        },
        {
          label: 'auto-approved, synchronous=normal',
          child: normal.child,
          key: normal.agent,
          body: AUTO_BODY,
          runs: [],
        },
      ];
      await sideBySide(baseline, all);
      console.log('');
      for (const series of all) seriesRows(series);
      const fsync = all[0]!.runs.map(
        ({ run }, i) => run.cpuUsPerCreate - all[2]!.runs[i]!.run.cpuUsPerCreate,
      );
      const rate = all[0]!.runs.map(({ run }, i) => run.perSecond / all[2]!.runs[i]!.run.perSecond);
      row(
        '  cost of synchronous=full (the default)',
        `${spread(fsync, (n) => `${fmt(n)} µs`)} CPU per create; ` +
          `${spread(rate, pct)} of the synchronous=normal rate`,
      );
      underLoad ||= all.some((s) => s.runs.some(({ run, baseline }) => isBusy(run) || baseline.busy));
      await stopChild(baseline);
      await stopChild(normal.child);
    }

    const needed = (runs('wake') ? 2 * WAKE_WAITERS : 0) + (runs('memory') ? MEMORY_WAITERS : 0);
    if (pendingIds.length < needed) await createPending(base, agent, needed - pendingIds.length, pendingIds);

    if (runs('wake')) {
      console.log(
        `\n2. Wake-up latency, decide → waiter's response, ${WAKE_WAITERS} connected waiters, ${loadLine()}`,
      );
      const serial = await measureWakeups(child, agent, approver, pendingIds.splice(0, WAKE_WAITERS), 1);
      row(
        `wake-up, ${serial.waiters} waiters, decided one at a time`,
        `p50 ${fmt(serial.p50, 2)} ms  p99 ${fmt(serial.p99, 2)} ms  max ${fmt(serial.max, 2)} ms` +
          `${serial.wrong ? `  (${serial.wrong} wrong answers)` : ''}`,
        `p99 <= ${TARGET.wakeP99Ms} ms`,
        verdict(serial.p99 <= TARGET.wakeP99Ms && serial.wrong === 0) +
          (serial.othersShare > BUSY_CORES ? ' (under load)' : ''),
      );
      const burst = await measureWakeups(
        child,
        agent,
        approver,
        pendingIds.splice(0, WAKE_WAITERS),
        WAKE_IN_FLIGHT,
      );
      row(
        `wake-up, ${burst.waiters} waiters, ${WAKE_IN_FLIGHT} decides in flight`,
        `p50 ${fmt(burst.p50, 2)} ms  p99 ${fmt(burst.p99, 2)} ms  max ${fmt(burst.max, 2)} ms` +
          `${burst.wrong ? `  (${burst.wrong} wrong answers)` : ''}`,
        `p99 <= ${TARGET.wakeP99Ms} ms`,
        verdict(burst.p99 <= TARGET.wakeP99Ms && burst.wrong === 0) +
          (burst.othersShare > BUSY_CORES ? ' (under load)' : ''),
      );
      row(
        '  decide round trip; other processes',
        `p50 ${fmt(serial.decideP50, 2)} ms; other processes used ${fmt(serial.othersShare, 2)} cores ` +
          `(one at a time), ${fmt(burst.othersShare, 2)} cores (${WAKE_IN_FLIGHT} in flight)`,
      );
    }

    if (runs('memory')) {
      console.log(
        `\n3. Memory, ${MEMORY_WAITERS.toLocaleString('en-US')} connected long-poll waiters, ${loadLine()}`,
      );
      const mem = await measureMemory(child, agent, pendingIds.splice(0, MEMORY_WAITERS));
      const extraMb = (mem.connectedKb - mem.baselineKb) / 1024;
      const settledMb = (mem.settledKb - mem.baselineKb) / 1024;
      row(
        `extra RSS, ${fmt(mem.waiters)} waiters connected`,
        `+${fmt(extraMb, 1)} MB (${fmt((extraMb * 1024) / mem.waiters, 1)} KB/waiter); ` +
          `${fmt(mem.baselineKb / 1024, 1)} → ${fmt(mem.connectedKb / 1024, 1)} MB`,
        `<= ${TARGET.extraRssMb} MB`,
        verdict(extraMb <= TARGET.extraRssMb),
      );
      const perWaiterKb = (field: keyof NodeJS.MemoryUsage) =>
        fmt((mem.after[field] - mem.before[field]) / 1024 / mem.waiters, 1);
      const outside = (m: NodeJS.MemoryUsage) => m.rss - m.heapTotal;
      row(
        '  after a full GC, still connected',
        `+${fmt(settledMb, 1)} MB RSS; per waiter: JS heap used ${perWaiterKb('heapUsed')} KB, ` +
          `heap committed ${perWaiterKb('heapTotal')} KB, outside the JS heap ` +
          `${fmt((outside(mem.after) - outside(mem.before)) / 1024 / mem.waiters, 1)} KB`,
      );
      row(
        '  connect time / after release',
        `${fmt(mem.connectSeconds, 1)} s to connect all; RSS ${fmt(mem.releasedKb / 1024, 1)} MB once they left`,
      );
    }

    printTable();
    if (underLoad) {
      console.log(
        `\n* under load: other processes used more than ${BUSY_CORES} cores during some of these runs. ` +
          'Absolute figures are not judged against targets; ratios to the baseline and CPU per request ' +
          'hold up better, but rerun on a quiet machine before quoting them.',
      );
    }
  } finally {
    await cleanup();
  }
}

main().then(
  () => {
    process.exitCode = 0;
  },
  (error: unknown) => {
    console.error(`\nbench:server failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
