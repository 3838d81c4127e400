/**
 * The shape each handled webhook must have, checked before any handler runs: a signed payload
 * missing what its event always carries (`{}`, no `repository`, no `issue`…) is answered 400 naming
 * what is missing, instead of a handler failing with a TypeError and GitHub seeing a 500.
 * Only the fields the handlers read are checked; everything else passes through untouched.
 */
import { z } from 'zod';
import { DeploymentProtectionRulePayloadSchema } from '../approvals/deployment-request.js';

const repository = z.object({
  full_name: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'must be "owner/name"'),
  name: z.string(),
});
const user = z.object({ login: z.string(), type: z.string().nullish() });
const installation = z.object({ id: z.number().int() }).nullish();
const sha = z.string().min(1);
const number = z.number().int();
const base = { action: z.string(), repository, installation };

const SCHEMAS: Record<string, z.ZodType> = {
  'issue_comment.created': z.object({
    ...base,
    issue: z.object({ number, pull_request: z.object({}).nullish() }),
    comment: z.object({ id: number, body: z.string(), user: user.nullable() }),
  }),
  'issues.closed': z.object({ ...base, issue: z.object({ number }), sender: user }),
  'check_run.requested_action': z.object({
    ...base,
    sender: user,
    check_run: z.object({ id: number, external_id: z.string().nullish(), head_sha: sha }),
    requested_action: z.object({ identifier: z.string().nullish() }).nullish(),
  }),
  'check_run.rerequested': z.object({
    ...base,
    check_run: z.object({
      id: number,
      name: z.string(),
      head_sha: sha,
      external_id: z.string().nullish(),
      pull_requests: z.array(z.object({ number })).nullish(),
    }),
  }),
  'check_suite.rerequested': z.object({
    ...base,
    check_suite: z.object({
      head_sha: sha,
      head_branch: z.string().nullish(),
      app: z.object({ id: number }).nullish(),
      pull_requests: z
        .array(z.object({ number, head: z.object({ sha }), base: z.object({ sha }) }))
        .nullish(),
    }),
  }),
  'merge_group.checks_requested': z.object({
    ...base,
    merge_group: z.object({ head_sha: sha, head_ref: z.string(), base_sha: sha }),
  }),
  'pull_request_review.submitted': z.object({
    ...base,
    review: z.object({
      id: number,
      state: z.string(),
      user: user.nullable(),
      body: z.string().nullish(),
      commit_id: z.string().nullish(),
    }),
    pull_request: z.object({ number, head: z.object({ sha }) }),
  }),
  'pull_request_review.dismissed': z.object({
    ...base,
    sender: user,
    review: z.object({ user: user.nullable(), commit_id: z.string().nullish() }),
    pull_request: z.object({ number, head: z.object({ sha }) }),
  }),
  'pull_request.opened': pullRequestChange(),
  'pull_request.synchronize': pullRequestChange(),
  'pull_request.reopened': pullRequestChange(),
  'deployment_protection_rule.requested': DeploymentProtectionRulePayloadSchema.and(
    z.object({ installation }),
  ),
  'workflow_run.completed': z.object({
    ...base,
    workflow_run: z.object({ id: number, status: z.string().nullish(), conclusion: z.string().nullish() }),
  }),
  push: z.object({
    ref: z.string(),
    after: z.string(),
    deleted: z.boolean(),
    installation,
    repository: repository.extend({ default_branch: z.string() }),
    commits: z.array(
      z.object({
        added: z.array(z.string()).nullish(),
        modified: z.array(z.string()).nullish(),
        removed: z.array(z.string()).nullish(),
      }),
    ),
  }),
};

function pullRequestChange() {
  return z.object({
    ...base,
    pull_request: z.object({ state: z.string(), number, head: z.object({ sha }), base: z.object({ sha }) }),
  });
}

/** Events the app subscribes to; any action of them carries at least these. */
const BASES: Record<string, z.ZodType> = {
  issue_comment: z.object(base),
  issues: z.object(base),
  check_run: z.object(base),
  check_suite: z.object(base),
  merge_group: z.object(base),
  pull_request_review: z.object(base),
  pull_request: z.object(base),
  deployment_protection_rule: z.object(base),
  workflow_run: z.object(base),
  installation: z.object({ action: z.string() }),
  installation_repositories: z.object({ action: z.string() }),
};

/** What is wrong with a signed payload for `event`, in one sentence, or null when handlers can take it. */
export function findWebhookPayloadProblem(event: string, payload: unknown): string | null {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return `The ${event} payload must be a JSON object.`;
  }
  const action = (payload as { action?: unknown }).action;
  const name = typeof action === 'string' ? `${event}.${action}` : event;
  const schema =
    (Object.hasOwn(SCHEMAS, name) && SCHEMAS[name]) ||
    (Object.hasOwn(SCHEMAS, event) && SCHEMAS[event]) || // push has no action, whatever a payload says
    (Object.hasOwn(BASES, event) && BASES[event]);
  if (!schema) return null; // not an event this app handles: acknowledged, ignored
  const parsed = schema.safeParse(payload);
  if (parsed.success) return null;
  const problems = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`)
    .join('; ');
  return `The ${name.slice(0, 100)} payload is not one this app can handle (${problems}).`;
}
