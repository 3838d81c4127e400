/**
 * A deployment to an environment this app protects, as the request AgentGate decides
 * (docs/deployments.md, DESIGN §11 "Deployment protection rules"). The facts come from GitHub's
 * signed `deployment_protection_rule` webhook, or, for a missed delivery, from the workflow run and
 * deployment read back from GitHub's API; nothing an agent says goes in. Pure.
 *
 * The request: action `deploy:<environment>`, params `{environment, ref, sha}`, context
 * `{environment, runId, sha, pullRequest?}` (so it is reviewed like any request naming a commit:
 * in an issue or a check run on the deployment's commit, as its rule says), requester
 * `github_deployment` with every fact. Its owner is the workflow run, and the idempotency key the
 * environment and deployment, so a redelivery, a reconciliation that finds the same deployment,
 * and another instance receiving the same delivery all land on one request.
 */
import { z } from 'zod';
import { ActionNameSchema, RepositoryNameSchema, type Requester } from '../../sdk/schemas.js';
import type { Principal } from '../ports/store.js';

export type DeploymentRequester = Extract<Requester, { type: 'github_deployment' }>;

/** What GitHub tells about a deployment waiting for this app's answer. */
export interface DeploymentFacts {
  repository: string;
  /** The environment's name, exactly as GitHub spells it. */
  environment: string;
  runId: string;
  deploymentId: number | null;
  sha: string;
  ref: string;
  actor: string;
  event: string | null;
  pullRequests: number[];
}

const SHA = /^[0-9a-f]{40}$/i;

/**
 * The part of the `deployment_protection_rule.requested` payload a request is made of (the rest is
 * ignored); its callback URL must name a run of its repository. Checked before any handler runs
 * (app/github/webhook-payload-problem.ts), so a payload without these is answered 400.
 */
export const DeploymentProtectionRulePayloadSchema = z
  .object({
    action: z.literal('requested'),
    environment: z.string().min(1).max(255),
    event: z.string().max(100).nullish(),
    deployment_callback_url: z.string().max(2000),
    deployment: z.object({
      id: z.number().int().positive(),
      sha: z.string().regex(SHA),
      ref: z.string().min(1).max(1000),
      creator: z.object({ login: z.string().min(1).max(100) }).nullish(),
    }),
    pull_requests: z
      .array(z.object({ number: z.number().int().positive() }))
      .max(100)
      .nullish(),
    repository: z.object({ full_name: RepositoryNameSchema }),
    sender: z.object({ login: z.string().min(1).max(100) }).nullish(),
  })
  .refine((p) => runIdOfCallbackUrl(p.deployment_callback_url, p.repository.full_name) !== null, {
    path: ['deployment_callback_url'],
    message:
      'must be …/repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule of the payload’s repository',
  });

/**
 * The run id in a `deployment_callback_url`
 * (`…/repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule`) when it names
 * `repository`; null otherwise. We never call the URL GitHub sent: only the run id is taken from
 * it, and the callback is made to the configured GitHub API.
 */
export function runIdOfCallbackUrl(url: string, repository: string): string | null {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return null;
  }
  const match = /\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)\/deployment_protection_rule$/.exec(path);
  if (!match) return null;
  const named = `${decodeURIComponent(match[1] as string)}/${decodeURIComponent(match[2] as string)}`;
  return named.toLowerCase() === repository.toLowerCase() ? (match[3] as string) : null;
}

/** The facts of a `deployment_protection_rule.requested` payload, or what is wrong with it. */
export function deploymentFactsOfPayload(
  payload: unknown,
): { ok: true; facts: DeploymentFacts } | { ok: false; problem: string } {
  const parsed = DeploymentProtectionRulePayloadSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, problem: `${issue?.path.join('.') || 'payload'}: ${issue?.message ?? 'invalid'}` };
  }
  const p = parsed.data;
  const repository = p.repository.full_name;
  const runId = runIdOfCallbackUrl(p.deployment_callback_url, repository) as string; // refined above
  return {
    ok: true,
    facts: {
      repository,
      environment: p.environment,
      runId,
      deploymentId: p.deployment.id,
      sha: p.deployment.sha.toLowerCase(),
      ref: p.deployment.ref,
      actor: p.deployment.creator?.login ?? p.sender?.login ?? 'ghost',
      event: p.event ?? null,
      pullRequests: [...new Set((p.pull_requests ?? []).map((pr) => pr.number))].sort((a, b) => a - b),
    },
  };
}

/**
 * `deploy:<environment>`. An environment name may hold characters an action name may not (a space,
 * say): each is written `-`, and the name is cut to fit; `requester.environment` keeps it exactly.
 */
export function deploymentAction(environment: string): string {
  const action = `deploy:${environment.replace(/[^A-Za-z0-9_.:\-/@]/g, '-')}`.slice(0, 200);
  return ActionNameSchema.safeParse(action).success ? action : 'deploy:-';
}

/** The owner of a run's deployment requests: the same for the webhook and for reconciliation. */
export const deploymentOwnerId = (repository: string, runId: string): string =>
  `deployment:${repository.toLowerCase()}:run:${runId}`;

/** The request's idempotency key within its run: one request per environment and deployment. */
export const deploymentKey = (facts: Pick<DeploymentFacts, 'environment' | 'deploymentId'>): string =>
  `${facts.environment.toLowerCase()}:${facts.deploymentId ?? 'unknown'}`;

function deploymentRequesterOf(facts: DeploymentFacts): DeploymentRequester {
  return {
    type: 'github_deployment',
    repository: facts.repository,
    environment: facts.environment,
    actor: facts.actor,
    event: facts.event,
    ref: facts.ref,
    sha: facts.sha,
    runId: facts.runId,
    deploymentId: facts.deploymentId,
    pullRequests: facts.pullRequests,
    pullRequest: facts.pullRequests.length === 1 ? (facts.pullRequests[0] as number) : null,
  };
}

/**
 * The principal a deployment's request is created as: it creates (bound to its repository, so the
 * policies of that repository decide), owns and may cancel its run's requests, and nothing else.
 */
/** The facts a stored deployment request was made of (to act as its owner again). */
export const factsOfRequester = (r: DeploymentRequester): DeploymentFacts => ({
  repository: r.repository,
  environment: r.environment,
  runId: r.runId,
  deploymentId: r.deploymentId,
  sha: r.sha,
  ref: r.ref,
  actor: r.actor,
  event: r.event,
  pullRequests: r.pullRequests,
});

export function deploymentPrincipal(facts: DeploymentFacts): Principal {
  return {
    id: deploymentOwnerId(facts.repository, facts.runId),
    actor: `github-deployment:${facts.repository}`,
    requester: deploymentRequesterOf(facts),
    scopes: new Set(),
    repository: facts.repository,
    rateLimit: null,
    keyId: `deployment:${facts.repository.toLowerCase()}`,
  };
}

/** The body of the request, as if posted to `POST /api/requests`. */
export function deploymentRequestInput(facts: DeploymentFacts) {
  const pullRequest = facts.pullRequests.length === 1 ? facts.pullRequests[0] : undefined;
  return {
    action: deploymentAction(facts.environment),
    params: { environment: facts.environment, ref: facts.ref, sha: facts.sha },
    context: {
      environment: facts.environment,
      runId: facts.runId,
      sha: facts.sha,
      ...(pullRequest !== undefined && { pullRequest }),
    },
    urgency: 'normal' as const,
  };
}
