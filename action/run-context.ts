/**
 * Facts about the workflow run, from the runner's environment and event payload, that go into the
 * request's `context` so reviewers see where it comes from (and check runs find their commit).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JsonObject } from '../sdk/index.js';

export interface RunContext {
  repository: string | null;
  workflow: string | null;
  runId: string | null;
  runAttempt: string | null;
  job: string | null;
  /** The commit under review: a pull request's head, else `GITHUB_SHA`. */
  sha: string | null;
  ref: string | null;
  actor: string | null;
  eventName: string | null;
  pullRequest: number | null;
  runUrl: string | null;
}

type Env = Record<string, string | undefined>;

export function readRunContext(env: Env = process.env): RunContext {
  const value = (name: string) => env[name] || null;
  const event = readEvent(value('GITHUB_EVENT_PATH'));
  const repository = value('GITHUB_REPOSITORY');
  const runId = value('GITHUB_RUN_ID');
  const runAttempt = value('GITHUB_RUN_ATTEMPT');
  const server = value('GITHUB_SERVER_URL') ?? 'https://github.com';
  const pr = event.pull_request as { number?: unknown; head?: { sha?: unknown } } | undefined;
  const issue = event.issue as { number?: unknown; pull_request?: unknown } | undefined;
  const prNumber = pr?.number ?? (issue?.pull_request ? issue.number : undefined);
  return {
    repository,
    workflow: value('GITHUB_WORKFLOW'),
    runId,
    runAttempt,
    job: value('GITHUB_JOB'),
    sha: (typeof pr?.head?.sha === 'string' ? pr.head.sha : null) ?? value('GITHUB_SHA'),
    ref: value('GITHUB_REF'),
    actor: value('GITHUB_ACTOR'),
    eventName: value('GITHUB_EVENT_NAME'),
    pullRequest: typeof prNumber === 'number' ? prNumber : null,
    runUrl:
      repository && runId
        ? `${server}/${repository}/actions/runs/${runId}${runAttempt ? `/attempts/${runAttempt}` : ''}`
        : null,
  };
}

function readEvent(path: string | null): Record<string, unknown> {
  if (!path) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {}; // no payload (local runs): the env alone still says a lot
  }
}

/** The run's facts as request context: only those known, so a local run sends no nulls. */
export function contextOf(run: RunContext): JsonObject {
  return Object.fromEntries(Object.entries(run).filter(([, v]) => v !== null)) as JsonObject;
}

/**
 * `gha-<run id>-<attempt>-<hash>`: the same step of the same job attempt asking the same thing
 * always gets the same key — so a step that runs again reuses its request instead of asking twice —
 * while another attempt, job, step or body gets another. The body is in the hash so matrix legs
 * (which share `GITHUB_JOB`) asking for different things never collide; legs asking for exactly the
 * same thing share one request. `GITHUB_ACTION` is the step's id, unique within a job.
 */
export function defaultIdempotencyKey(run: RunContext, step: string | undefined, body: unknown): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([run.repository, run.job, step ?? null, body]))
    .digest('hex')
    .slice(0, 32);
  return `gha-${run.runId ?? 'local'}-${run.runAttempt ?? '1'}-${hash}`;
}
