/**
 * `canonicalJson` is written out for speed (it hashes every audit entry and idempotency body); the
 * definition it must keep to is `JSON.stringify` with every object's keys sorted
 * (`canonicalJsonByReplacer`). Any difference would break the audit chains already stored, so
 * both are compared on arbitrary values, hostile keys and non-plain objects included.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  canonicalJsonByReplacer,
  hashAuditContent,
  hashAuditEntry,
} from '../../app/approvals/audit-chain.js';

describe('canonicalJson', () => {
  it('is byte for byte JSON.stringify with sorted keys, on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(canonicalJsonByReplacer(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees on values JSON would change: undefined, functions, NaN, -0, Dates, toJSON, sparse arrays', () => {
    const values: unknown[] = [
      { b: undefined, a: () => 1, c: Symbol('s'), d: Number.NaN, e: -0, f: Number.POSITIVE_INFINITY },
      [undefined, () => 1, Number.NaN, -0],
      { when: new Date('2026-01-02T03:04:05.006Z'), nested: { z: new Date(0), a: [new Date(1)] } },
      { custom: { toJSON: () => ({ y: 1, x: 2 }) } },
      Object.assign(Object.create(null), { b: 1, a: 2 }),
      new Map([['a', 1]]),
      // biome-ignore lint/suspicious/noSparseArray: the hole is the point
      [1, , 3],
      { __proto__: { inherited: true }, own: 1 },
      { '': 1, ' ': 2, '\u0000': 3, é: 4, e: 5, '\ud83d\ude00': 6, '10': 7, '9': 8, constructor: 9 },
      'a "quoted"\nline\u2028',
      null,
      true,
      12.5e-7,
    ];
    for (const value of values) expect(canonicalJson(value)).toBe(canonicalJsonByReplacer(value));
    expect(canonicalJson({ b: 1, a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1},"b":1}');
  });

  it('throws on a BigInt, as JSON.stringify does', () => {
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });

  it('reads back as itself: stored details are their canonical JSON, so a reader hashes what the writer hashed', () => {
    const entries = fc.record({
      details: fc.dictionary(fc.string(), fc.jsonValue()),
      id: fc.string(),
      requestId: fc.option(fc.string(), { nil: null }),
      eventType: fc.string(),
      actor: fc.string(),
      createdAt: fc.string(),
      prevHash: fc.stringMatching(/^[0-9a-f]{64}$/),
    });
    fc.assert(
      fc.property(entries, (entry) => {
        const stored = canonicalJson(entry.details);
        // The same text a JSON round trip first would give (what a store hashed before).
        expect(canonicalJson(JSON.parse(stored))).toBe(stored);
        expect(canonicalJson(JSON.parse(JSON.stringify(entry.details)))).toBe(stored);
        // The hash written with the stored text is the one verify computes from the parsed entry.
        expect(hashAuditContent(entry, stored)).toBe(
          hashAuditEntry({ ...entry, details: JSON.parse(stored) as Record<string, unknown> }),
        );
      }),
      { numRuns: 1000 },
    );
  });
});
