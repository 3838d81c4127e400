import { GitHubError } from '../ports/github-gateway.js';
import type { Job, JobInput, RequestRecord } from '../ports/store.js';
import { type JobKind, PermanentJobError } from './job-runner.js';
import type { RequestChange, RequestReactor } from './request-service.js';

/** The request id every GitHub job carries; a job without one can never succeed. */
export function jobRequestId(job: Pick<Job, 'payload'>): string {
  const id = job.payload.requestId;
  if (typeof id !== 'string') throw new PermanentJobError('job payload has no requestId');
  return id;
}

/**
 * GitHub refusing for good (404 not installed or deleted, 422 invalid) is not worth retrying; a
 * 403 may be a rate limit, and transient failures (5xx, network) are retried with backoff.
 */
export function withGitHubRetryPolicy(kinds: Record<string, JobKind>): Record<string, JobKind> {
  return Object.fromEntries(
    Object.entries(kinds).map(([name, kind]) => [
      name,
      {
        ...kind,
        handle: async (job: Job) => {
          try {
            await kind.handle(job);
          } catch (error) {
            if (error instanceof GitHubError && !error.transient && error.status !== 403) {
              throw new PermanentJobError(error.message);
            }
            throw error;
          }
        },
      },
    ]),
  );
}

/**
 * The reactor of a GitHub review surface (issue, check run): for requests it `applies` to, one job
 * per change — create the surface for a new pending request, show progress, reflect the decision.
 */
export function reviewSurfaceReactor(
  applies: (request: RequestRecord) => boolean,
  kinds: { create: string; progress: string; reflect: string },
): RequestReactor {
  return {
    jobsFor: (change: RequestChange, request: RequestRecord): JobInput[] => {
      if (!applies(request)) return [];
      const payload = { requestId: request.id };
      if (change === 'created') return request.status === 'pending' ? [{ kind: kinds.create, payload }] : [];
      if (change === 'voted') return [{ kind: kinds.progress, payload }];
      if (change === 'decided') return [{ kind: kinds.reflect, payload }];
      return [];
    },
  };
}
