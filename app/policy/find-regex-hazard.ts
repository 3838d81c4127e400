/**
 * Finds the shapes of regular expression that backtrack catastrophically in a backtracking engine:
 * a repeated group that itself repeats (`(a+)+`, `(\w*\s?)*`) and repeated alternatives that can
 * match the same text (`(a|a)*`, `(\d|1)+`). AgentGate runs regexes on RE2 (linear time) anyway;
 * refusing these keeps policies portable and safe to copy into any other engine.
 */

interface GroupState {
  start: number;
  repeats: boolean;
  alternatives: string[];
  current: string;
}

/** A sentence saying what is unsafe, or null when the pattern has no known hazard. */
export function findRegexHazard(pattern: string): string | null {
  const stack: GroupState[] = [{ start: -1, repeats: false, alternatives: [], current: '' }];
  let i = 0;
  while (i < pattern.length) {
    const top = stack[stack.length - 1] as GroupState;
    const c = pattern[i] as string;
    if (c === '(') {
      let j = i + 1;
      if (pattern[j] === '?') {
        while (j < pattern.length && pattern[j] !== ':' && pattern[j] !== ')' && pattern[j] !== '>') j++;
        if (pattern[j] === ')') {
          // A flag group such as (?i): no content.
          top.current += pattern.slice(i, j + 1);
          i = j + 1;
          continue;
        }
        j++;
      }
      stack.push({ start: i, repeats: false, alternatives: [], current: '' });
      i = j;
      continue;
    }
    if (c === ')' && stack.length > 1) {
      const group = stack.pop() as GroupState;
      group.alternatives.push(group.current);
      const quantifier = readQuantifier(pattern, i + 1);
      const text = pattern.slice(group.start, i + 1 + quantifier.length);
      if (quantifier.unbounded && group.repeats) {
        return `"${text}" repeats a group that itself contains a repeat (nested quantifiers)`;
      }
      if (quantifier.unbounded && group.alternatives.length > 1 && alternativesOverlap(group.alternatives)) {
        return `"${text}" repeats alternatives that can match the same text`;
      }
      const parent = stack[stack.length - 1] as GroupState;
      parent.repeats ||= group.repeats || quantifier.repeats;
      parent.current += text;
      i += 1 + quantifier.length;
      continue;
    }
    if (c === '|') {
      top.alternatives.push(top.current);
      top.current = '';
      i++;
      continue;
    }
    const atomLength = readAtom(pattern, i);
    const quantifier = readQuantifier(pattern, i + atomLength);
    top.repeats ||= quantifier.repeats;
    top.current += pattern.slice(i, i + atomLength + quantifier.length);
    i += atomLength + quantifier.length;
  }
  return null;
}

/** Length of the atom at `i`: an escape, a character class or one character. */
function readAtom(pattern: string, i: number): number {
  const c = pattern[i];
  if (c === '\\') {
    if (/[pPx]/.test(pattern[i + 1] ?? '') && pattern[i + 2] === '{') {
      const close = pattern.indexOf('}', i + 3);
      return close === -1 ? pattern.length - i : close - i + 1;
    }
    return Math.min(2, pattern.length - i);
  }
  if (c === '[') {
    let j = i + 1;
    if (pattern[j] === '^') j++;
    if (pattern[j] === ']') j++;
    while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
    return Math.min(j, pattern.length - 1) - i + 1;
  }
  return 1;
}

interface Quantifier {
  length: number;
  /** Matches its atom more than once. */
  repeats: boolean;
  /** Repeats without a small bound (`*`, `+`, `{n,}`, `{n,m}` with m > 10). */
  unbounded: boolean;
}

function readQuantifier(pattern: string, i: number): Quantifier {
  const c = pattern[i];
  let length = 0;
  let max = 1;
  if (c === '*' || c === '+') {
    length = 1;
    max = Number.POSITIVE_INFINITY;
  } else if (c === '?') {
    length = 1;
  } else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
    if (m) {
      length = m[0].length;
      max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
    }
  }
  if (length > 0 && (pattern[i + length] === '?' || pattern[i + length] === '+')) length++;
  return { length, repeats: max > 1, unbounded: max > 10 };
}

/** Could two of these alternatives begin with the same character? (Conservative: when unsure, yes.) */
function alternativesOverlap(alternatives: readonly string[]): boolean {
  const firsts = alternatives.map(firstCharSet);
  for (let a = 0; a < firsts.length; a++) {
    for (let b = a + 1; b < firsts.length; b++) {
      if (setsOverlap(firsts[a] as CharSet, firsts[b] as CharSet)) return true;
    }
  }
  return false;
}

type CharSet = { kind: 'char'; char: string } | { kind: 'class'; test: RegExp } | { kind: 'any' };

const CLASS_ESCAPES: Record<string, RegExp> = {
  d: /\d/,
  w: /\w/,
  s: /\s/,
};

function firstCharSet(alternative: string): CharSet {
  const c = alternative[0];
  if (c === undefined) return { kind: 'any' };
  if (c === '\\') {
    const next = alternative[1] ?? '';
    const cls = CLASS_ESCAPES[next];
    if (cls) return { kind: 'class', test: cls };
    if (/[A-Za-z0-9]/.test(next)) return { kind: 'any' };
    return { kind: 'char', char: next };
  }
  if (/[.[(^$]/.test(c)) return { kind: 'any' };
  // An optional first atom means the alternative may start with whatever follows it.
  if (/[?*{]/.test(alternative[1] ?? '')) return { kind: 'any' };
  return { kind: 'char', char: c };
}

function setsOverlap(a: CharSet, b: CharSet): boolean {
  if (a.kind === 'any' || b.kind === 'any') return true;
  if (a.kind === 'char' && b.kind === 'char') return a.char === b.char;
  if (a.kind === 'class' && b.kind === 'class') {
    return a.test === b.test || a.test === CLASS_ESCAPES.w || b.test === CLASS_ESCAPES.w;
  }
  const cls = (a.kind === 'class' ? a : b) as { test: RegExp };
  const char = (a.kind === 'char' ? a : b) as { char: string };
  return cls.test.test(char.char);
}
