import { describe, expect, it } from 'vitest';
import { isOverdue } from '../../app/approvals/is-overdue.js';

const EXPIRES = '2026-01-01T00:01:00.000Z';

describe('isOverdue', () => {
  it.each([
    ['pending, a millisecond before expiresAt', 'pending', '2026-01-01T00:00:59.999Z', false],
    ['pending, at expiresAt', 'pending', EXPIRES, true],
    ['pending, after expiresAt', 'pending', '2026-01-02T00:00:00.000Z', true],
    ['pending, the same instant in another time zone', 'pending', '2026-01-01T02:01:00.000+02:00', true],
    ['pending, before expiresAt in another time zone', 'pending', '2026-01-01T01:00:59.000+01:00', false],
    ['already approved, after expiresAt', 'approved', '2026-01-02T00:00:00.000Z', false],
    ['already expired', 'expired', '2026-01-02T00:00:00.000Z', false],
  ] as const)('%s → %s', (_name, status, now, expected) => {
    expect(isOverdue({ status, expiresAt: EXPIRES }, now)).toBe(expected);
    expect(isOverdue({ status, expiresAt: EXPIRES }, new Date(now))).toBe(expected);
  });
});
