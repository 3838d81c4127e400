/**
 * Review commands in a comment (docs/github-app.md, "Answering"): the FIRST line is `/approve [reason]` or
 * `/deny [reason]`, case-insensitive. Anything else (a command further down, `/approved`, a quote)
 * is not a command, so a reviewer discussing "/approve" in prose never votes by accident. Pure.
 */
export interface ReviewCommand {
  decision: 'approve' | 'deny';
  /** The rest of the first line, trimmed; null when empty. */
  reason: string | null;
}

const COMMAND = /^\/(approve|deny)(?:[ \t]+(.*))?$/i;

export function parseCommand(body: string | null | undefined): ReviewCommand | null {
  if (!body) return null;
  const firstLine = (body.split(/\r?\n/, 1)[0] ?? '').trim();
  const match = COMMAND.exec(firstLine);
  if (!match) return null;
  const reason = match[2]?.trim() ?? '';
  return {
    decision: (match[1] as string).toLowerCase() as ReviewCommand['decision'],
    reason: reason === '' ? null : reason.slice(0, 4000),
  };
}
