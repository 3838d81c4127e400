/**
 * `matches` patterns run on RE2 (re2js): linear time whatever the input. Patterns are refused at
 * load time when too long, when RE2 cannot compile them (backreferences, lookaround), or when they
 * have a shape that backtracks catastrophically elsewhere.
 */
import { RE2JS } from 're2js';
import { findRegexHazard } from './find-regex-hazard.js';

const MAX_REGEX_LENGTH = 500;

export type RegexResult = { ok: true; test: (value: string) => boolean } | { ok: false; error: string };

export function compileRegex(pattern: string): RegexResult {
  if (pattern.length > MAX_REGEX_LENGTH) {
    return { ok: false, error: `is ${pattern.length} characters long; the limit is ${MAX_REGEX_LENGTH}` };
  }
  const hazard = findRegexHazard(pattern);
  if (hazard !== null)
    return { ok: false, error: `is unsafe: ${hazard}; rewrite it without nested repetition` };
  try {
    const re = RE2JS.compile(pattern);
    return { ok: true, test: (value) => re.test(value) };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { ok: false, error: `is not a valid RE2 regular expression (${why})` };
  }
}
