/**
 * Requests to replay, one JSON object a line (JSON Lines): either requests as the API returns them
 * (`agentgate list --json`, `GET /api/requests`) or hand-written ones with at least `action`. Keys
 * a policy never reads (status, review…) are ignored; a line that is not a request is reported
 * with its line number rather than skipped in silence.
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
  errors: { line: number; message: string }[];
}

export function parseReplayRequests(text: string): ReplayParseResult {
  const result: ReplayParseResult = { requests: [], errors: [] };
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      result.errors.push({ line, message: `not JSON: ${(error as Error).message}` });
      return;
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      result.errors.push({ line, message: 'a request is a JSON object with at least "action"' });
      return;
    }
    const picked = Object.fromEntries(Object.entries(json).filter(([key]) => KEYS.includes(key)));
    const parsed = ReplayLineSchema.safeParse(picked);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`);
      result.errors.push({ line, message: problems.join('; ') });
      return;
    }
    result.requests.push(parsed.data);
  });
  return result;
}
