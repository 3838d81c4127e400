import type { z } from 'zod';
import { isOverride, overridesForbiddenBy } from '../../sdk/is-override.js';
import {
  type ApprovalRequest,
  type CreateRequestBodySchema,
  type DecideBodySchema,
  type EvaluateBodySchema,
  type ListRequestsQuerySchema,
  type PolicyEvaluation,
  RepositoryNameSchema,
  type Review,
  type Scope,
} from '../../sdk/schemas.js';
import { isOverdue } from '../approvals/is-overdue.js';
import { expiryOf, fingerprintOf, initialReview } from '../approvals/new-request.js';
import { pullRequestBindingOf } from '../approvals/pull-request-binding.js';
import { reconcileWithToken } from '../approvals/reconcile-with-token.js';
import { progressOf } from '../approvals/tally-votes.js';
import type { Logger } from '../logger.js';
import { evaluatePolicy } from '../policy/index.js';
import type { Clock } from '../ports/clock.js';
import type { PolicyProvider } from '../ports/policy-provider.js';
import type { RequestStore } from '../ports/request-store.js';
import type { AuditEventInput, DecisionChange, JobInput, Principal, RequestRecord } from '../ports/store.js';
import { AppError, notFound } from './app-error.js';
import type { DecisionHub } from './decision-hub.js';

export type CreateInput = z.output<typeof CreateRequestBodySchema>;
export type EvaluateInput = z.output<typeof EvaluateBodySchema>;
export type DecideInput = z.output<typeof DecideBodySchema>;
export type ListInput = z.output<typeof ListRequestsQuerySchema>;

/** Counters the service reports; the HTTP layer exposes them at `/metrics`. */
export interface RequestMetrics {
  created(decision: string): void;
  decided(status: string): void;
  waited(seconds: number): void;
}

/** The changes of a request that other parts of the system react to. */
export type RequestChange = 'created' | 'voted' | 'decided';

/**
 * Something that must happen elsewhere when a request changes (open a GitHub issue, deliver a
 * webhook, update Slack), expressed as jobs queued in the same transaction as the change.
 * `voted` fires when a counted vote leaves the request pending (progress to show); `decided` for
 * every final status: policy decisions at creation, votes, API, cancel, expiry.
 */
export interface RequestReactor {
  jobsFor(change: RequestChange, request: RequestRecord): JobInput[];
  /**
   * Told once the change is stored (after its transaction), for what needs no durability: the web
   * console's live updates. Must not throw or block.
   */
  committed?(change: RequestChange, request: RequestRecord): void;
}

export interface RequestServiceDeps {
  store: RequestStore;
  policies: PolicyProvider;
  clock: Clock;
  hub: DecisionHub;
  log: Logger;
  defaultRepository: string | null;
  metrics?: RequestMetrics;
  newId: (prefix: string) => string;
  reactors?: readonly RequestReactor[];
  /** Called after a change queued jobs, so they run now rather than at the next poll. */
  onJobsQueued?: () => void;
}

export const hasScope = (principal: Principal, scope: Scope): boolean =>
  principal.scopes.has('admin') || principal.scopes.has(scope);

/** The request lifecycle: create (decided by policy), read, wait, decide, cancel, expire. */
export class RequestService {
  constructor(private readonly deps: RequestServiceDeps) {}

  async create(
    principal: Principal,
    input: CreateInput,
    idempotencyKey?: string,
  ): Promise<{ request: RequestRecord; replayed: boolean }> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const at = now.toISOString();
    const context = verifiedContext(principal, input.context);
    const repository = this.#repositoryFor(principal, context);
    const evaluation = await this.#evaluate(principal, { ...input, context, repository }, now);
    const expiry = expiryOf(input, evaluation, now);
    if (!expiry.ok) throw new AppError('validation_failed', expiry.problem);
    const { expiresAt } = expiry;
    const id = this.deps.newId('req');

    const decided =
      evaluation.decision === 'route_to_human'
        ? null
        : { status: evaluation.decision === 'auto_approve' ? ('approved' as const) : ('denied' as const) };

    const record: RequestRecord = {
      id,
      action: input.action,
      params: input.params,
      context,
      urgency: input.urgency,
      status: decided?.status ?? 'pending',
      createdAt: at,
      updatedAt: at,
      decidedAt: decided ? at : null,
      expiresAt,
      decidedBy: decided ? 'policy' : null,
      decisionReason: decided ? evaluation.reason : null,
      repository,
      requester: principal.requester,
      policyDecision: {
        decision: evaluation.decision,
        rules: evaluation.rules,
        policyVersion: evaluation.policyVersion,
        reason: evaluation.reason,
        overridesForbiddenBy: evaluation.overridesForbiddenBy,
      },
      review: decided
        ? null
        : initialReview(evaluation, pullRequestBindingOf(principal, context, repository)),
      ownerId: principal.id,
    };

    const events: AuditEventInput[] = [
      {
        requestId: id,
        eventType: 'created',
        actor: principal.actor,
        details: { action: input.action, urgency: input.urgency, repository, expiresAt },
        createdAt: at,
      },
      {
        requestId: id,
        eventType: 'evaluated',
        actor: 'policy',
        details: record.policyDecision,
        createdAt: at,
      },
    ];
    if (decided) {
      events.push({
        requestId: id,
        eventType: decided.status,
        actor: 'policy',
        details: { reason: evaluation.reason, rules: evaluation.rules },
        createdAt: at,
      });
    }

    const idempotency = idempotencyKey
      ? { ownerId: principal.id, key: idempotencyKey, fingerprint: fingerprintOf(input) }
      : undefined;
    const jobs = this.jobsFor(decided ? ['created', 'decided'] : ['created'], record);
    const result = await store.insertRequest(record, events, idempotency, jobs);
    if (result.kind === 'idempotency_conflict') {
      throw new AppError(
        'idempotency_conflict',
        `Idempotency-Key "${idempotencyKey}" was already used for request ${result.request.id} with a different body; use a new key for a new request.`,
      );
    }
    if (result.kind === 'created') {
      if (jobs.length > 0) this.deps.onJobsQueued?.();
      this.#committed(decided ? ['created', 'decided'] : ['created'], result.request);
      this.deps.metrics?.created(evaluation.decision);
      if (decided) this.deps.metrics?.decided(decided.status);
      this.deps.log.info(
        { requestId: id, action: input.action, decision: evaluation.decision, rules: evaluation.rules },
        'request created',
      );
    }
    return { request: result.request, replayed: result.kind === 'existing' };
  }

  /** Dry run: what the policies would decide for this request, without storing anything. */
  async evaluate(principal: Principal, input: EvaluateInput): Promise<PolicyEvaluation> {
    const context = verifiedContext(principal, input.context);
    const repository = input.repository ?? this.#repositoryFor(principal, context);
    if (
      principal.requester.type === 'github_actions' &&
      repository?.toLowerCase() !== principal.requester.repository.toLowerCase()
    ) {
      throw new AppError(
        'contradicts_token',
        `repository "${repository}" contradicts this job's GitHub Actions OIDC token, whose "repository" claim is "${principal.requester.repository}". A workflow can only ask for its own repository.`,
        { field: 'repository' },
      );
    }
    if (principal.repository && repository !== principal.repository) {
      throw new AppError(
        'forbidden',
        `This key is bound to ${principal.repository}; it cannot evaluate for ${repository}.`,
      );
    }
    return this.#evaluate(principal, { ...input, context, repository }, this.deps.clock.now());
  }

  async get(principal: Principal, id: string): Promise<RequestRecord> {
    const request = await this.deps.store.getRequest(id);
    // Someone else's request answers 404, like an unknown one: ids are not an oracle.
    if (!request || !canRead(principal, request)) throw notFound('request', id);
    return request;
  }

  async list(principal: Principal, query: ListInput) {
    const ownerId = canReadAll(principal) ? undefined : principal.id;
    const { requests, total } = await this.deps.store.listRequests({
      ...(query.status && { status: query.status }),
      ...(query.action && { action: query.action }),
      ...(query.urgency && { urgency: query.urgency }),
      ...(ownerId && { ownerId }),
      limit: query.limit,
      offset: query.offset,
    });
    return {
      requests,
      pagination: {
        total,
        limit: query.limit,
        offset: query.offset,
        hasMore: query.offset + requests.length < total,
      },
    };
  }

  /**
   * Resolves with the request as soon as it is decided, at once if it already is, or as it is when
   * `timeoutSeconds` pass. `onCancel` receives a function that ends the wait early (the client went
   * away). Nothing but the id is held while waiting: 10,000 waiters must stay cheap.
   */
  async wait(
    principal: Principal,
    id: string,
    timeoutSeconds: number,
    onCancel?: (cancel: () => void) => void,
  ): Promise<RequestRecord> {
    const started = performance.now();
    let wake!: (request: RequestRecord | null) => void;
    const woken = new Promise<RequestRecord | null>((resolve) => {
      wake = resolve;
    });
    // Subscribe before reading, so a decision between the read and the subscription is not missed.
    const unsubscribe = this.deps.hub.subscribe(id, wake);
    try {
      const current = await this.get(principal, id);
      if (current.status !== 'pending' || timeoutSeconds === 0) return current;
      const timer = setTimeout(wake, timeoutSeconds * 1000, null);
      onCancel?.(() => wake(null));
      const decided = await woken;
      clearTimeout(timer);
      return decided ?? (await this.get(principal, id));
    } finally {
      unsubscribe();
      this.deps.metrics?.waited((performance.now() - started) / 1000);
    }
  }

  /**
   * An operator's decision through the API: final at once, recorded as `api:<key name>`. On a
   * human-routed request that is an override (sdk/is-override.ts), audited as `overridden` in the
   * same transaction, unless a routing rule of the request forbade overrides when it was created.
   */
  async decide(principal: Principal, id: string, input: DecideInput): Promise<RequestRecord> {
    const request = await this.#getToChange(principal, id);
    if (request.ownerId === principal.id) {
      throw new AppError(
        'forbidden',
        'A request cannot be decided with the credentials that created it; ask another approver.',
      );
    }
    const at = this.deps.clock.now().toISOString();
    const forbiddenBy = overridesForbiddenBy(request);
    // Decided or overdue requests answer 409 in #finish: "already decided" is the more useful news.
    if (request.status === 'pending' && !isOverdue(request, at) && forbiddenBy.length > 0) {
      throw overrideForbidden(request, forbiddenBy);
    }
    const status = input.decision;
    const override = isOverride({ ...request, status, decidedBy: principal.actor });
    const requirements = request.review?.requirements ?? [];
    const { approvals, needed } = progressOf(requirements);
    return this.#finish(
      request,
      {
        status,
        decidedBy: principal.actor,
        decisionReason: input.reason ?? null,
        at,
        details: {
          reason: input.reason ?? null,
          via: 'api',
          ...(override && { override: true }),
          ...(input.decidedBy && { note: input.decidedBy }),
        },
      },
      override
        ? [
            {
              requestId: request.id,
              eventType: 'overridden',
              actor: principal.actor,
              details: {
                decision: status,
                rules: request.policyDecision.rules,
                approvals,
                needed,
                reason: input.reason ?? null,
              },
              createdAt: at,
            },
          ]
        : [],
    );
  }

  /** Withdraws a pending request: allowed to its requester and to keys that may decide. */
  async cancel(principal: Principal, id: string, reason?: string): Promise<RequestRecord> {
    const request = await this.#getToChange(principal, id);
    if (request.ownerId !== principal.id && !hasScope(principal, 'request:decide')) {
      throw new AppError(
        'forbidden',
        'Only the requester or a key with the request:decide scope can cancel a request.',
      );
    }
    return this.#finish(request, {
      status: 'cancelled',
      decidedBy: principal.actor,
      decisionReason: reason ?? null,
      at: this.deps.clock.now().toISOString(),
      details: { reason: reason ?? null },
    });
  }

  /**
   * The request a decision or cancellation acts on. A `request:decide` key may act on any request
   * without also holding `request:read` (README: deciding needs `request:decide` alone); anyone
   * else sees only what they may read, and others' ids answer 404.
   */
  async #getToChange(principal: Principal, id: string): Promise<RequestRecord> {
    if (!hasScope(principal, 'request:decide')) return this.get(principal, id);
    const request = await this.deps.store.getRequest(id);
    if (!request) throw notFound('request', id);
    return request;
  }

  async audit(principal: Principal, id: string) {
    await this.get(principal, id);
    return this.deps.store.listAudit({ requestId: id, limit: 10_000, offset: 0 });
  }

  /** Marks every overdue pending request `expired`; returns how many. Run by the sweeper. */
  async expireDue(): Promise<number> {
    let expired = 0;
    for (;;) {
      const now = this.deps.clock.now().toISOString();
      const ids = await this.deps.store.findExpired(now, 100);
      for (const id of ids) {
        if (await this.#expire(id, now)) expired += 1;
      }
      if (ids.length < 100) return expired;
    }
  }

  /** Answers every waiter with the current state of its request (used at shutdown). */
  async releaseWaiters(): Promise<void> {
    for (const id of this.deps.hub.waitingIds()) {
      const request = await this.deps.store.getRequest(id);
      if (request) this.deps.hub.publish(request);
    }
  }

  /**
   * Expires `request` when it is overdue at `at` (`isOverdue`), and only that request: a late vote
   * or issue close on one request must not decide the others (the sweeper does, on its schedule).
   * True when it was overdue, whether this call or a concurrent one expired it.
   */
  async expireOverdue(request: RequestRecord, at: string): Promise<boolean> {
    if (!isOverdue(request, at)) return false;
    await this.#expire(request.id, at);
    return true;
  }

  async #expire(id: string, now: string): Promise<RequestRecord | null> {
    const request = await this.deps.store.getRequest(id);
    if (request?.status !== 'pending') return null;
    const change: DecisionChange = {
      status: 'expired',
      decidedBy: 'system:expiry',
      decisionReason: 'No decision before the request expired.',
      at: now,
    };
    const result = await this.applyDecision(request, change, {});
    if (result) this.deps.log.info({ requestId: id }, 'request expired');
    return result;
  }

  /**
   * Applies a final status with its audit events (by default one event named after the status) and
   * reactions, and wakes waiters. Null when the request was no longer pending.
   */
  async applyDecision(
    request: RequestRecord,
    change: DecisionChange,
    details: Record<string, unknown>,
    extraEvents: AuditEventInput[] = [],
  ): Promise<RequestRecord | null> {
    const decided: RequestRecord = {
      ...request,
      status: change.status,
      decidedBy: change.decidedBy,
      decisionReason: change.decisionReason,
      decidedAt: change.at,
      updatedAt: change.at,
      ...(change.review && { review: change.review }),
    };
    const jobs = this.jobsFor(['decided'], decided);
    const result = await this.deps.store.transition(
      request.id,
      change,
      [
        ...extraEvents,
        {
          requestId: request.id,
          eventType: change.status,
          actor: change.decidedBy,
          details,
          createdAt: change.at,
        },
      ],
      jobs,
    );
    if (!result.ok) return null;
    if (jobs.length > 0) this.deps.onJobsQueued?.();
    this.#committed(['decided'], result.request);
    this.deps.metrics?.decided(change.status);
    this.deps.hub.publish(result.request);
    return result.request;
  }

  /**
   * Records a review change of a pending request (a counted vote, a review URL) with its reactions.
   * `review` was computed from `request.review`, so it is stored only while that is still the stored
   * review (compare-and-set): null when the request is no longer pending, or when its review changed
   * since `request` was read (another instance counted a vote): read it again and recompute.
   */
  async updateReview(
    request: RequestRecord,
    review: Review,
    at: string,
    events: AuditEventInput[],
    change: RequestChange | null,
  ): Promise<RequestRecord | null> {
    const jobs = change ? this.jobsFor([change], { ...request, review, updatedAt: at }) : [];
    const updated = await this.deps.store.updateReview(request.id, review, at, events, jobs, request.review);
    if (updated && jobs.length > 0) this.deps.onJobsQueued?.();
    if (updated && change) this.#committed([change], updated);
    return updated;
  }

  #committed(changes: readonly RequestChange[], request: RequestRecord): void {
    for (const reactor of this.deps.reactors ?? []) {
      for (const change of changes) reactor.committed?.(change, request);
    }
  }

  /** The jobs every reactor wants for these changes of `request`. */
  jobsFor(changes: readonly RequestChange[], request: RequestRecord): JobInput[] {
    const reactors = this.deps.reactors ?? [];
    return changes.flatMap((change) => reactors.flatMap((reactor) => reactor.jobsFor(change, request)));
  }

  async #finish(
    request: RequestRecord,
    change: DecisionChange & { details: Record<string, unknown> },
    extraEvents: AuditEventInput[] = [],
  ): Promise<RequestRecord> {
    // A vote that arrives after the expiry time is refused even if the sweeper has not run yet.
    if (await this.expireOverdue(request, change.at)) {
      throw conflict((await this.deps.store.getRequest(request.id)) ?? request);
    }
    const { details, ...decision } = change;
    const decided = await this.applyDecision(request, decision, details, extraEvents);
    if (!decided) throw conflict((await this.deps.store.getRequest(request.id)) ?? request);
    this.deps.log.info(
      { requestId: request.id, status: change.status, decidedBy: change.decidedBy },
      'request decided',
    );
    return decided;
  }

  #repositoryFor(principal: Principal, context: Record<string, unknown>): string | null {
    if (principal.repository) return principal.repository;
    const named = context.repository;
    if (
      principal.scopes.has('admin') &&
      typeof named === 'string' &&
      RepositoryNameSchema.safeParse(named).success
    ) {
      return named;
    }
    return this.deps.defaultRepository;
  }

  async #evaluate(
    principal: Principal,
    input: Pick<CreateInput, 'action' | 'params' | 'context' | 'urgency'> & { repository: string | null },
    now: Date,
  ): Promise<PolicyEvaluation> {
    const { policySet } = await this.deps.policies.active(input.repository);
    return evaluatePolicy(
      policySet,
      {
        action: input.action,
        params: input.params,
        context: input.context,
        urgency: input.urgency,
        repository: input.repository,
        requester: principal.requester,
      },
      now,
    );
  }
}

/**
 * The context a request is created with: for a GitHub Actions job, checked against and completed
 * from its token's claims (`reconcileWithToken`); a contradiction is 422 `contradicts_token`.
 */
function verifiedContext(principal: Principal, context: Record<string, unknown>): Record<string, unknown> {
  if (principal.requester.type !== 'github_actions') return context;
  const reconciled = reconcileWithToken(principal.requester, context);
  if (!reconciled.ok) {
    throw new AppError('contradicts_token', reconciled.message, { field: reconciled.field });
  }
  return reconciled.context;
}

const canReadAll = (principal: Principal) => hasScope(principal, 'request:read');
const canRead = (principal: Principal, request: RequestRecord) =>
  canReadAll(principal) || request.ownerId === principal.id;

/** The refusal of an override a policy forbids: which rules forbid it, and what to do instead. */
function overrideForbidden(request: RequestRecord, forbiddenBy: readonly string[]): AppError {
  const rules = forbiddenBy.map((rule) => (rule === 'default' ? 'the policy defaults' : `rule "${rule}"`));
  const list = rules.length === 1 ? rules[0] : `${rules.slice(0, -1).join(', ')} and ${rules.at(-1)}`;
  const verb = forbiddenBy.length === 1 ? 'forbids' : 'forbid';
  const how =
    request.review?.via === 'check'
      ? 'with the Approve/Deny buttons of its check run, an approving review or `/approve` on its pull request'
      : 'with `/approve` or `/deny` on its issue';
  const where = request.review?.url ? ` (${request.review.url})` : '';
  return new AppError(
    'override_forbidden',
    `Request ${request.id} cannot be decided with an API key: ${list} (policy version ${request.policyDecision.policyVersion}) ${verb} operator overrides. Review it on GitHub instead${where}: its approvers decide it ${how}. Cancelling it is still allowed.`,
    { rules: [...forbiddenBy] },
  );
}

function conflict(current: ApprovalRequest): AppError {
  const by = current.decidedBy ? ` by ${current.decidedBy}` : '';
  return new AppError(
    'conflict',
    `Request ${current.id} is already ${current.status}${by}; a decision is final.`,
    {
      status: current.status,
    },
  );
}
