/**
 * Globs are compiled once, at load time, to a linear-time matcher. Glob libraries that compile to
 * JavaScript RegExp backtrack: `*a*a*a*a*a*a*a*b` against 200 characters never finishes. Here
 * a glob becomes an RE2 expression (re2js), with plain string tests for the common shapes.
 *
 * Syntax: `*` any run of characters except `/`; `**` any run including `/` (`a/**\/b` also matches
 * `a/b`); `?` one character except `/`; `[abc]`, `[a-z]`, `[!abc]`; `{a,b}` alternatives; `\x` a
 * literal x. Everything else, `.` included, is literal, and the glob matches the whole value.
 */
import { RE2JS } from 're2js';

export type GlobMatcher = (value: string) => boolean;
export type GlobResult = { ok: true; match: GlobMatcher } | { ok: false; error: string };

const SPECIAL = /[\\*?[{]/;
const MAX_GLOB_LENGTH = 500;

/** The text every match starts with: `db.drop*` → `db.drop`. */
export function globLiteralPrefix(pattern: string): string {
  const at = pattern.search(SPECIAL);
  return at === -1 ? pattern : pattern.slice(0, at);
}

export function isLiteralGlob(pattern: string): boolean {
  return !SPECIAL.test(pattern);
}

export function compileGlob(pattern: string): GlobResult {
  if (pattern.length > MAX_GLOB_LENGTH) {
    return { ok: false, error: `is longer than ${MAX_GLOB_LENGTH} characters` };
  }
  const prefix = globLiteralPrefix(pattern);
  const rest = pattern.slice(prefix.length);
  if (rest === '') return { ok: true, match: (value) => value === pattern };
  if (rest === '*') {
    return {
      ok: true,
      match: (value) => value.startsWith(prefix) && value.indexOf('/', prefix.length) === -1,
    };
  }
  if (rest === '**') return { ok: true, match: (value) => value.startsWith(prefix) };
  const source = globToRe2(pattern);
  if (!source.ok) return source;
  try {
    const re = RE2JS.compile(source.regex, RE2JS.DOTALL);
    return { ok: true, match: (value) => re.testExact(value) };
  } catch (error) {
    return { ok: false, error: `cannot be compiled (${error instanceof Error ? error.message : error})` };
  }
}

function globToRe2(pattern: string): { ok: true; regex: string } | { ok: false; error: string } {
  let out = '';
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      if (i + 1 >= pattern.length) return { ok: false, error: 'ends with a lone backslash' };
      out += RE2JS.quote(pattern[++i] as string);
    } else if (c === '*') {
      let stars = 1;
      while (pattern[i + 1] === '*') {
        stars++;
        i++;
      }
      if (stars === 1) out += '[^/]*';
      else if ((i - stars < 0 || pattern[i - stars] === '/') && pattern[i + 1] === '/') {
        out += '(?:.*/)?';
        i++;
      } else out += '.*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const cls = readClass(pattern, i);
      if (cls === null) out += '\\[';
      else {
        out += cls.regex;
        i = cls.end;
      }
    } else if (c === '{') {
      depth++;
      out += '(?:';
    } else if (c === ',' && depth > 0) {
      out += '|';
    } else if (c === '}' && depth > 0) {
      depth--;
      out += ')';
    } else {
      out += RE2JS.quote(c);
    }
  }
  if (depth > 0) return { ok: false, error: 'has a "{" without its closing "}"' };
  return { ok: true, regex: out };
}

/** `[abc]`, `[!a-z]`, `[^x]` starting at `start`; null when there is no closing bracket. */
function readClass(pattern: string, start: number): { regex: string; end: number } | null {
  let i = start + 1;
  const negated = pattern[i] === '!' || pattern[i] === '^';
  if (negated) i++;
  let body = '';
  for (let first = true; i < pattern.length; i++, first = false) {
    const c = pattern[i] as string;
    if (c === ']' && !first) return { regex: negated ? `[^/${body}]` : `[${body}]`, end: i };
    if (c === '\\' && i + 1 < pattern.length) body += `\\${pattern[++i]}`;
    else body += c === '-' ? '-' : /[\]\\^[]/.test(c) ? `\\${c}` : c;
  }
  return null;
}
