/**
 * What a signed-in console viewer may see and do. An API key sees what the API would show it (its
 * own requests without `request:read`) and decides through `RequestService.decide` (an operator
 * override, refused where a policy forbids overrides). A GitHub user sees the requests of
 * repositories they can read on GitHub, and votes through `VoteService.castVote` as
 * `github:<login>` from the console, qualified by the same authorizer as comments and reviews.
 */
import type { AuditEntry, RequestStatus, Urgency } from '../../sdk/schemas.js';
import type { Refusal } from '../approvals/qualify-voter.js';
import type { IntegrationContext } from '../integration.js';
import type { Principal, RequestFilter, RequestRecord } from '../ports/store.js';
import { AppError, notFound } from '../services/app-error.js';
import { hasScope } from '../services/request-service.js';
import type { ConsoleGitHubAccess } from './github-access.js';
import type { QueueFilter } from './pages/queue-page.js';
import type { DecideAbility } from './pages/request-page.js';
import type { Session } from './session.js';

export type Viewer =
  | { kind: 'key'; session: Session; principal: Principal }
  | { kind: 'github'; session: Session; login: string; bot: boolean };

/** Requests shown at once in the queue. */
const QUEUE_LIMIT = 100;
/** Requests read to fill a GitHub viewer's queue (then filtered to the repositories they can read). */
const GITHUB_SCAN = 300;
const URGENCY_RANK: Record<Urgency, number> = { critical: 0, high: 1, normal: 2, low: 3 };

export const viewerName = (viewer: Viewer): string =>
  viewer.kind === 'key' ? viewer.principal.actor : `github:${viewer.login}`;

export const isAdmin = (viewer: Viewer): boolean =>
  viewer.kind === 'key' && viewer.principal.scopes.has('admin');

/** Words for each refusal of a vote, as the replies on GitHub word them (app/render/issue-comments.ts). */
export const REFUSALS: Record<Refusal, string> = {
  requester: 'you requested this action (or delegated the task), and nobody approves their own request',
  not_approver: 'you are not one of the approvers of this request',
  bot: 'bots never approve or deny requests',
};

export class ViewerAccess {
  constructor(
    private readonly context: IntegrationContext,
    private readonly github: ConsoleGitHubAccess | null,
  ) {}

  async queue(
    viewer: Viewer,
    filter: QueueFilter,
  ): Promise<{ requests: RequestRecord[]; truncated: boolean }> {
    const { store } = this.context;
    const base: Omit<RequestFilter, 'limit' | 'offset' | 'status'> = {
      ...(filter.action && { action: filter.action }),
      ...(filter.urgency && { urgency: filter.urgency }),
      ...(filter.repository && { repository: filter.repository }),
      ...(viewer.kind === 'key' &&
        !hasScope(viewer.principal, 'request:read') && { ownerId: viewer.principal.id }),
    };
    const statuses: RequestStatus[] =
      filter.status === 'decided' ? ['approved', 'denied', 'expired', 'cancelled'] : [filter.status];
    const scan = viewer.kind === 'github' ? GITHUB_SCAN : QUEUE_LIMIT + 1;
    const lists = await Promise.all(
      statuses.map((status) => store.listRequests({ ...base, status, limit: scan, offset: 0 })),
    );
    let shown = lists
      .flatMap((list) => list.requests)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    if (viewer.kind === 'github') shown = await this.#readable(viewer, shown);
    if (filter.status === 'pending') {
      shown = [...shown].sort(
        (a, b) => URGENCY_RANK[a.urgency] - URGENCY_RANK[b.urgency] || b.createdAt.localeCompare(a.createdAt),
      );
    }
    return { requests: shown.slice(0, QUEUE_LIMIT), truncated: shown.length > QUEUE_LIMIT };
  }

  /** The request, or a 404 for one the viewer may not read (ids are not an oracle). */
  async request(viewer: Viewer, id: string): Promise<RequestRecord> {
    if (viewer.kind === 'key') return this.context.requests.get(viewer.principal, id);
    const request = await this.context.store.getRequest(id);
    if (!request || !(await this.#canRead(viewer, request))) throw notFound('request', id);
    return request;
  }

  async audit(viewer: Viewer, request: RequestRecord): Promise<AuditEntry[]> {
    if (viewer.kind === 'key') return this.context.requests.audit(viewer.principal, request.id);
    return this.context.store.listAudit({ requestId: request.id, limit: 1000, offset: 0 });
  }

  decideAbility(viewer: Viewer): DecideAbility {
    if (viewer.kind === 'github') {
      return viewer.bot
        ? { mode: 'none', why: `Signed in as ${viewer.login}: ${REFUSALS.bot}.` }
        : { mode: 'vote', as: `github:${viewer.login}` };
    }
    return hasScope(viewer.principal, 'request:decide')
      ? { mode: 'override', as: viewer.principal.actor }
      : {
          mode: 'none',
          why: `The key ${viewer.principal.actor} cannot decide: it lacks the "request:decide" scope. Sign in with a key that has it, or with GitHub if you are an approver.`,
        };
  }

  /** Decides or votes; the sentence to show and the HTTP status to show it with. */
  async decide(
    viewer: Viewer,
    request: RequestRecord,
    decision: 'approve' | 'deny',
    reason: string | null,
    /** The request's console page on the public URL (the vote links to it), or null. */
    pageUrl: string | null,
  ): Promise<{ ok: boolean; status: number; text: string }> {
    if (viewer.kind === 'key') {
      const ability = this.decideAbility(viewer);
      if (ability.mode === 'none') return { ok: false, status: 403, text: ability.why };
      const decided = await this.context.requests.decide(viewer.principal, request.id, {
        decision: decision === 'approve' ? 'approved' : 'denied',
        ...(reason && { reason }),
      });
      return {
        ok: true,
        status: 200,
        text: `${decided.status === 'approved' ? 'Approved' : 'Denied'} as ${viewer.principal.actor}. The agent waiting on it has been told.`,
      };
    }
    if (!this.github) throw new AppError('unavailable', 'GitHub sign-in is not configured on this server.');
    const qualification = await this.github.qualify(request, viewer.login, viewer.bot);
    // An unqualified vote is cast too: the vote service records it as refused in the audit trail.
    const result = await this.context.votes.castVote(request.id, {
      voter: `github:${viewer.login}`,
      decision,
      reason,
      source: 'console',
      qualifiesFor: qualification.qualifiesFor,
      url: pageUrl,
    });
    switch (result.outcome) {
      case 'approved':
      case 'denied':
        return {
          ok: true,
          status: 200,
          text: `Your vote decided it: ${result.outcome}. The agent waiting on it has been told.`,
        };
      case 'counted':
        return { ok: true, status: 200, text: 'Your approval was counted; more approvals are needed.' };
      case 'duplicate':
        return { ok: true, status: 200, text: 'You had already approved this request; nothing changed.' };
      case 'not_qualified':
        return {
          ok: false,
          status: 403,
          text: `Your ${decision === 'approve' ? 'approval' : 'denial'} was not counted: ${REFUSALS[qualification.refusal ?? 'not_approver']}.`,
        };
      case 'not_pending':
        return {
          ok: false,
          status: 409,
          text: `Your ${decision === 'approve' ? 'approval' : 'denial'} was not counted: this request is already ${result.request.status}, and a decision is final.`,
        };
    }
  }

  async #canRead(viewer: Extract<Viewer, { kind: 'github' }>, request: RequestRecord): Promise<boolean> {
    if (!this.github || !request.repository) return false;
    return this.github.canRead(request.repository, viewer.login);
  }

  async #readable(
    viewer: Extract<Viewer, { kind: 'github' }>,
    requests: RequestRecord[],
  ): Promise<RequestRecord[]> {
    const repositories = [
      ...new Set(requests.map((r) => r.repository).filter((r): r is string => r !== null)),
    ];
    const readable = new Set<string>();
    await Promise.all(
      repositories.map(async (repository) => {
        if (this.github && (await this.github.canRead(repository, viewer.login))) readable.add(repository);
      }),
    );
    return requests.filter((r) => r.repository !== null && readable.has(r.repository));
  }
}
