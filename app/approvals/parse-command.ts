/**
 * Review commands in a comment (docs/github-app.md, "Answering"): the FIRST line is `/approve [reason]` or
 * `/deny [reason]`, case-insensitive. Anything else (a command further down, `/approved`, a quote)
 * is not a command, so a reviewer discussing "/approve" in prose never votes by accident.
 * `/approve <request id> [reason]` picks one request (DESIGN §11): a first word that looks like a
 * request id (`req_…`, optionally in backticks as our replies show it) is the id, never the reason,
 * so a mistyped id is answered as unknown instead of becoming a bare `/approve`. Pure.
 */
export interface ReviewCommand {
  decision: 'approve' | 'deny';
  /** The request the command picks (`/approve <id>`); null for a bare command. */
  requestId: string | null;
  /** The rest of the first line after the id, trimmed; null when empty. */
  reason: string | null;
}

/** What `newId('req')` makes (app/services/ids.ts), loosely: a typo is still read as an id. */
const REQUEST_ID = /^`?(req_[0-9a-z]+)`?$/i;

const COMMAND = /^\/(approve|deny)(?:[ \t]+(.*))?$/i;

export function parseCommand(body: string | null | undefined): ReviewCommand | null {
  if (!body) return null;
  const firstLine = (body.split(/\r?\n/, 1)[0] ?? '').trim();
  const match = COMMAND.exec(firstLine);
  if (!match) return null;
  let rest = match[2]?.trim() ?? '';
  const first = /^\S+/.exec(rest)?.[0] ?? '';
  const id = REQUEST_ID.exec(first)?.[1] ?? null;
  if (id) rest = rest.slice(first.length).trim();
  return {
    decision: (match[1] as string).toLowerCase() as ReviewCommand['decision'],
    requestId: id ? id.toLowerCase() : null,
    reason: rest === '' ? null : rest.slice(0, 4000),
  };
}
