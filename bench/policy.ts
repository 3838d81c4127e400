/**
 * `npm run bench:policy`: evaluations per second and p50/p99 latency of `evaluatePolicy` for
 * generated policy sets of 10, 100 and 1,000 rules, on one core (this process). Each size is
 * measured three times; the table gives medians and the spread (min–max), the load average before
 * each size, and flags (`*`) a size during which other processes used more than `BUSY_CORES` or this
 * process got less than 90% of a core: its figures were taken under load.
 *
 * The rule mix is what real sets look like: most rules name an action or an action prefix, some
 * also test params (numbers, lists, a regex), a few deny, and about 2% have no action condition (so
 * they run for every request). Requests hit existing actions 80% of the time, unknown ones 20%.
 * Targets: ≥ 100,000 evaluations/s at 100 rules; p99 ≤ 100 µs at 1,000 rules.
 */
import { evaluatePolicy, loadPolicySet, type PolicyRequest, type PolicySet } from '../app/policy/index.js';
import { BUSY_CORES, loadLine, machineBusyMs } from './lib/machine-load.js';

const SIZES = [10, 100, 1_000];
const THROUGHPUT_MS = 1_000;
const LATENCY_SAMPLES = 100_000;
const REPETITIONS = 3;
const NOW = new Date('2025-01-01T00:00:00Z');

/** A small deterministic PRNG so every run measures the same sets and requests. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function generateRules(count: number): { yaml: string; actions: string[] } {
  const services = Math.max(2, Math.ceil(count / 10));
  const lines = ['rules:'];
  const actions: string[] = [];
  for (let i = 0; i < count; i++) {
    const svc = `svc${i % services}`;
    const kind = i % 50 === 49 ? 'no-action' : ['exact', 'exact', 'prefix', 'deny', 'list'][i % 5];
    lines.push(`  - name: rule-${i}`);
    switch (kind) {
      case 'exact':
        actions.push(`${svc}.op${i}`);
        lines.push(
          `    if: { action: "${svc}.op${i}", params.amount: { gt: ${(i % 7) * 100}, lte: 100000 } }`,
          '    decision: route_to_human',
          `    route: { approvers: { teams: [acme/team-${i % 13}] }, count: ${1 + (i % 2)}, timeout: 4h }`,
        );
        break;
      case 'prefix':
        actions.push(`${svc}.read_item`, `${svc}.read_list`);
        lines.push(`    if: { action: "${svc}.read_*" }`, '    decision: auto_approve');
        break;
      case 'deny':
        actions.push(`${svc}.drop_table`);
        lines.push(
          `    if: { action: "${svc}.drop*", params.env: { in: [prod, production] } }`,
          '    decision: auto_deny',
          '    reason: never in production',
        );
        break;
      case 'list':
        actions.push(`${svc}.send_email`);
        lines.push(
          `    if: { action: ["${svc}.send_*", "${svc}.notify_*"], params.to: { matches: "@(example|acme)\\\\.com$" } }`,
          '    decision: auto_approve',
        );
        break;
      default:
        lines.push(
          `    if: { context.agent: { eq: "agent-${i}" }, urgency: { in: [high, critical] } }`,
          '    decision: route_to_human',
        );
    }
  }
  return { yaml: `${lines.join('\n')}\n`, actions };
}

function generateRequests(actions: readonly string[], random: () => number): PolicyRequest[] {
  const envs = ['prod', 'staging', 'dev'];
  const requests: PolicyRequest[] = [];
  for (let i = 0; i < 1_000; i++) {
    const known = random() < 0.8;
    const action = known ? (actions[Math.floor(random() * actions.length)] as string) : `unknown.action_${i}`;
    requests.push({
      action,
      params: {
        amount: Math.floor(random() * 5_000),
        env: envs[i % 3],
        to: i % 2 ? 'bob@example.com' : 'eve@evil.test',
      },
      context: { agent: `agent-${i % 40}` },
      urgency: i % 10 === 0 ? 'critical' : 'normal',
      repository: 'acme/app',
      requester: { type: 'api_key', name: 'bench' },
    });
  }
  return requests;
}

function measure(policySet: PolicySet, requests: readonly PolicyRequest[]) {
  let sink = 0;
  for (let i = 0; i < 20_000; i++) {
    sink += evaluatePolicy(policySet, requests[i % requests.length] as PolicyRequest, NOW).conditions.length;
  }
  let evaluations = 0;
  const start = performance.now();
  while (performance.now() - start < THROUGHPUT_MS) {
    for (let i = 0; i < 1_000; i++) {
      sink += evaluatePolicy(policySet, requests[(evaluations + i) % requests.length] as PolicyRequest, NOW)
        .rules.length;
    }
    evaluations += 1_000;
  }
  const perSecond = evaluations / ((performance.now() - start) / 1_000);
  const samples = new Float64Array(LATENCY_SAMPLES);
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const request = requests[i % requests.length] as PolicyRequest;
    const t0 = process.hrtime.bigint();
    sink += evaluatePolicy(policySet, request, NOW).rules.length;
    samples[i] = Number(process.hrtime.bigint() - t0) / 1_000;
  }
  samples.sort();
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number;
  return { perSecond, p50: at(0.5), p99: at(0.99), sink };
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
const spread = (values: readonly number[], format: (n: number) => string) =>
  `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
const whole = (n: number) => Math.round(n).toLocaleString('en-US');
const tenth = (n: number) => n.toFixed(1);

const rows: string[][] = [
  ['rules', 'evals/s', 'p50 µs', 'p99 µs', 'load ms', 'CPU / others', 'load average'],
];
let checksum = 0;
let busyAny = false;
process.stdout.write(
  `evaluatePolicy on Node ${process.version}, one core, ${REPETITIONS} repetitions per size\n`,
);
for (const size of SIZES) {
  const { yaml, actions } = generateRules(size);
  const loadStart = performance.now();
  const loaded = loadPolicySet(new Map([['bench.yaml', yaml]]), { source: 'bench' });
  const loadMs = performance.now() - loadStart;
  if (!loaded.policySet) {
    throw new Error(`generated policies are invalid: ${loaded.errors.map((e) => e.message).join('; ')}`);
  }
  const requests = generateRequests(actions, createRandom(size));
  const before = loadLine();
  process.stdout.write(`  ${size} rules, ${before}\n`);
  const results: ReturnType<typeof measure>[] = [];
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const machineBefore = await machineBusyMs();
  for (let rep = 0; rep < REPETITIONS; rep += 1) results.push(measure(loaded.policySet, requests));
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const ownMs = (cpu.user + cpu.system) / 1000;
  const othersCores = Math.max(0, ((await machineBusyMs()) - machineBefore - ownMs) / wallMs);
  const ownShare = ownMs / wallMs;
  const busy = othersCores > BUSY_CORES || ownShare < 0.9;
  busyAny ||= busy;
  for (const result of results) checksum += result.sink;
  rows.push([
    `${size}${busy ? ' *' : ''}`,
    spread(
      results.map((r) => r.perSecond),
      whole,
    ),
    spread(
      results.map((r) => r.p50),
      tenth,
    ),
    spread(
      results.map((r) => r.p99),
      tenth,
    ),
    loadMs.toFixed(0),
    `${ownShare.toFixed(2)} / ${othersCores.toFixed(2)} cores`,
    before.replace('load average ', ''),
  ]);
}

const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
process.stdout.write(`\n(checksum ${checksum % 997})\n`);
for (const row of rows)
  process.stdout.write(`${row.map((cell, c) => cell.padStart(widths[c] as number)).join('  ')}\n`);
if (busyAny) {
  process.stdout.write(
    `\n* under load: other processes used more than ${BUSY_CORES} cores, or this one got less than 0.9 of a core; ` +
      'rerun on a quiet machine before quoting these figures.\n',
  );
}
