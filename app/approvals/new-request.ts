/**
 * What a new request starts with, decided from its body and its policy evaluation. Pure.
 */
import { createHash } from 'node:crypto';
import {
  durationToSeconds,
  MAX_TIMEOUT_SECONDS,
  type PolicyEvaluation,
  type Review,
} from '../../sdk/schemas.js';
import { canonicalJson } from './audit-chain.js';

const DEFAULT_TIMEOUT_SECONDS = 24 * 3600;

export type Expiry = { ok: true; expiresAt: string } | { ok: false; problem: string };

/**
 * When a pending request expires: the request's own `expiresAt` or `timeout`, else the
 * shortest timeout among the routing rules (defaults included), else 24 hours.
 */
export function expiryOf(
  input: { expiresAt?: string | undefined; timeout?: number | string | undefined },
  evaluation: Pick<PolicyEvaluation, 'requirements'>,
  now: Date,
): Expiry {
  let seconds: number;
  if (input.expiresAt !== undefined) {
    seconds = (new Date(input.expiresAt).getTime() - now.getTime()) / 1000;
    if (seconds <= 0) return { ok: false, problem: 'expiresAt must be in the future.' };
  } else if (input.timeout !== undefined) {
    const given = durationToSeconds(input.timeout);
    // Never read a timeout of nothing as "the default": the body schema refuses it, and so does this.
    if (given === null)
      return { ok: false, problem: 'timeout must be a positive number of seconds or duration.' };
    seconds = given;
  } else {
    const ruleTimeouts = evaluation.requirements
      .map((r) => (r.timeout === null ? null : durationToSeconds(r.timeout)))
      .filter((s): s is number => s !== null);
    seconds = ruleTimeouts.length > 0 ? Math.min(...ruleTimeouts) : DEFAULT_TIMEOUT_SECONDS;
  }
  if (seconds > MAX_TIMEOUT_SECONDS) {
    return {
      ok: false,
      problem: `A request may wait at most ${MAX_TIMEOUT_SECONDS / 86_400} days; shorten the timeout.`,
    };
  }
  return { ok: true, expiresAt: new Date(now.getTime() + seconds * 1000).toISOString() };
}

/**
 * The review of a human-routed request: every routing rule's requirement, nobody approved yet, and
 * the pull request whose reviews count for it (`bindingOf`).
 */
export function initialReview(
  evaluation: Pick<PolicyEvaluation, 'requirements'>,
  boundPullRequest: number | null = null,
): Review {
  return {
    via: evaluation.requirements.some((r) => r.via === 'check') ? 'check' : 'issue',
    url: null,
    requirements: evaluation.requirements.map((r) => ({ ...r, approvedBy: [] })),
    votes: [],
    boundPullRequest,
  };
}

/** The same body (after defaults) always gives the same fingerprint, whatever the key order. */
export function fingerprintOf(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}
