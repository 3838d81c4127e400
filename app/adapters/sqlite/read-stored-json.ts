/**
 * Reading `params`/`context` back from the database. Requests stored before nesting was limited
 * (DESIGN §11) may hold values thousands of levels deep, which parse but then overflow the stack of
 * every JSON.stringify that answers a read. Such a value is shown as a placeholder that says so, so
 * one bad row never turns every list into a 500; the stored text itself is left untouched.
 */

/** Deeper than anything accepted today (32), far below what JSON.stringify can take. */
const READABLE_DEPTH = 256;

const UNREADABLE_KEY = '_agentgate_unreadable';

/** Deepest nesting of `[`/`{` in JSON text, found without recursion (strings skipped). */
function jsonTextDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

export function readStoredObject(text: string, field: string): Record<string, unknown> {
  if (jsonTextDepth(text) > READABLE_DEPTH) {
    return {
      [UNREADABLE_KEY]: `${field} was stored nested deeper than ${READABLE_DEPTH} levels (before AgentGate limited nesting to 32) and cannot be shown; the stored value is kept unchanged`,
    };
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // fall through: not JSON at all
  }
  return { [UNREADABLE_KEY]: `${field} is stored as something other than a JSON object and cannot be shown` };
}
