import { describe, expect, it } from 'vitest';
import { expiryOf, fingerprintOf, initialReview } from '../../app/approvals/new-request.js';
import type { Requirement } from '../../sdk/schemas.js';

const NOW = new Date('2026-01-01T00:00:00.000Z');
const requirement = (timeout: string | null, via: Requirement['via'] = 'issue'): Requirement => ({
  rule: `r-${timeout}`,
  approvers: { permission: 'write' },
  count: 1,
  via,
  timeout,
  notify: null,
  allowRequester: false,
});
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString();

describe('expiryOf', () => {
  it.each([
    ['the request’s expiresAt', { expiresAt: at(600) }, [requirement('1h')], at(600)],
    ['the request’s timeout in seconds', { timeout: 90 }, [requirement('1h')], at(90)],
    ['the request’s timeout as a duration', { timeout: '30m' }, [requirement('1h')], at(1800)],
    ['the shortest routing rule', {}, [requirement('4h'), requirement('30m'), requirement(null)], at(1800)],
    ['24 hours when nothing says', {}, [requirement(null)], at(86_400)],
    ['24 hours for a policy decision', {}, [], at(86_400)],
  ])('uses %s', (_name, input, requirements, expected) => {
    expect(expiryOf(input, { requirements }, NOW)).toEqual({ ok: true, expiresAt: expected });
  });

  it.each([
    [{ expiresAt: at(-1) }, /future/],
    [{ expiresAt: at(0) }, /future/],
    [{ timeout: '91d' }, /at most 90 days/],
    [{ expiresAt: at(91 * 86_400) }, /at most 90 days/],
  ])('refuses %j', (input, problem) => {
    const expiry = expiryOf(input, { requirements: [] }, NOW);
    expect(expiry.ok).toBe(false);
    if (!expiry.ok) expect(expiry.problem).toMatch(problem);
  });
});

describe('initialReview', () => {
  it('starts every requirement with nobody approved, on a check run when any rule asks for one', () => {
    const review = initialReview({ requirements: [requirement('1h'), requirement(null, 'check')] });
    expect(review).toMatchObject({ via: 'check', url: null, votes: [] });
    expect(review.requirements.map((r) => r.approvedBy)).toEqual([[], []]);
    expect(initialReview({ requirements: [requirement(null)] }).via).toBe('issue');
  });
});

describe('fingerprintOf', () => {
  it('ignores key order and tells different bodies apart', () => {
    expect(fingerprintOf({ a: 1, b: { c: 2, d: 3 } })).toBe(fingerprintOf({ b: { d: 3, c: 2 }, a: 1 }));
    expect(fingerprintOf({ a: 1 })).not.toBe(fingerprintOf({ a: 2 }));
  });
});
