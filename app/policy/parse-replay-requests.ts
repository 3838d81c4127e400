/**
 * Requests to replay: JSON Lines (one request a line), or one JSON document — an array of requests
 * or `{requests: [...]}` as `agentgate list --json` and `GET /api/requests` print. Requests may be
 * as the API returns them or hand-written with at least `action`; keys a policy never reads
 * (status, review…) are ignored. A bad entry is reported (`line 3`, `request #2`), never skipped
 * in silence.
 */
import { z } from 'zod';
import type { ReplayRequest } from './diff-impact.js';
import { PolicyRequestInputSchema } from './policy-request.js';

const ReplayLineSchema = PolicyRequestInputSchema.extend({
  id: z.string().nullable().default(null),
  createdAt: z.string().nullable().default(null),
});
const KEYS = Object.keys(ReplayLineSchema.shape);

export interface ReplayParseResult {
  requests: ReplayRequest[];
  /** `where` is `line <n>` (JSON Lines) or `request #<n>` (a JSON document). */
  errors: { where: string; message: string }[];
}

export function parseReplayRequests(text: string): ReplayParseResult {
  const result: ReplayParseResult = { requests: [], errors: [] };
  const document = parseDocument(text);
  if (document) {
    for (const [index, entry] of document.entries()) addEntry(result, entry, `request #${index + 1}`);
    return result;
  }
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === '') return;
    const where = `line ${index + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      result.errors.push({ where, message: `not JSON: ${(error as Error).message}` });
      return;
    }
    addEntry(result, json, where);
  });
  return result;
}

/** The entries of a whole-text JSON array or `{requests: [...]}`; null for JSON Lines. */
function parseDocument(text: string): unknown[] | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (Array.isArray(json)) return json;
  const list = (json as { requests?: unknown } | null)?.requests;
  return Array.isArray(list) ? list : null;
}

function addEntry(result: ReplayParseResult, json: unknown, where: string): void {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    result.errors.push({ where, message: 'a request is a JSON object with at least "action"' });
    return;
  }
  const picked = Object.fromEntries(Object.entries(json).filter(([key]) => KEYS.includes(key)));
  const parsed = ReplayLineSchema.safeParse(picked);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`);
    result.errors.push({ where, message: problems.join('; ') });
    return;
  }
  result.requests.push(parsed.data);
}
