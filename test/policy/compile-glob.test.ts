import { describe, expect, it } from 'vitest';
import { compileGlob, globLiteralPrefix } from '../../app/policy/compile-glob.js';

const CASES: [glob: string, value: string, matches: boolean][] = [
  ['read_*', 'read_file', true],
  ['read_*', 'read_', true],
  ['read_*', 'unread_file', false],
  ['read_*', 'read_a/b', false],
  ['db.*', 'dbx', false],
  ['db.*', 'db.x', true],
  ['src/**/*.ts', 'src/x.ts', true],
  ['src/**/*.ts', 'src/a/b/x.ts', true],
  ['src/**/*.ts', 'src/a/b/x.js', false],
  ['**/secret', 'a/b/secret', true],
  ['**/secret', 'secret', true],
  ['a**', 'a/b/c', true],
  ['?', 'x', true],
  ['?', '/', false],
  ['[abc]x', 'bx', true],
  ['[!abc]x', 'bx', false],
  ['[!abc]x', '/x', false],
  ['[a-c]', 'd', false],
  ['{read,list}_*', 'list_all', true],
  ['{read,list}_*', 'write_all', false],
  ['{a,{b,c}}z', 'cz', true],
  ['a\\*b', 'a*b', true],
  ['a\\*b', 'axb', false],
  ['a+b(c)', 'a+b(c)', true],
  ['x[', 'x[', true],
  ['line*', 'line1\nline2', true],
];

describe('compileGlob', () => {
  it.each(CASES)('%s vs %j → %s', (glob, value, matches) => {
    const compiled = compileGlob(glob);
    if (!compiled.ok) throw new Error(compiled.error);
    expect(compiled.match(value)).toBe(matches);
  });

  it.each([
    ['a{b', 'has a "{" without its closing "}"'],
    ['a\\', 'ends with a lone backslash'],
    ['x'.repeat(501), 'is longer than 500 characters'],
  ])('refuses %s', (glob, error) => {
    expect(compileGlob(glob)).toEqual({ ok: false, error });
  });

  it.each([
    ['db.drop*', 'db.drop'],
    ['payments.{send,wire}', 'payments.'],
    ['*', ''],
    ['exact', 'exact'],
  ])('the literal prefix of %s is %j', (glob, prefix) => {
    expect(globLiteralPrefix(glob)).toBe(prefix);
  });
});
