/**
 * GitHub's documented limits on a check run write (REST "Create a check run"): `output.summary`
 * and `output.text` at most 65535 characters, an annotation's `title` at most 255 characters and
 * its `message` at most 64 KB. A write over a limit is refused with 422 for good, which would leave
 * the run as it was (in progress, for the `AgentGate policy` check); so every write is cut to fit
 * here, whatever produced it — a policy test named with 400 characters included. Sizes are
 * counted in UTF-8 bytes where GitHub speaks of characters too: never more than it allows.
 */
import type { CheckAnnotation, CheckRunInput } from '../../ports/github-gateway.js';

const MAX_OUTPUT_BYTES = 65_535;
const MAX_ANNOTATION_TITLE = 255;
const MAX_ANNOTATION_MESSAGE_BYTES = 64 * 1024;
const CUT_OUTPUT = '\n\n…(cut to fit GitHub’s size limit)';
const CUT = '…';

export function fitCheckRunInput<T extends Partial<CheckRunInput>>(input: T): T {
  return {
    ...input,
    ...(input.summary !== undefined && { summary: fitBytes(input.summary, MAX_OUTPUT_BYTES, CUT_OUTPUT) }),
    ...(input.text !== undefined && { text: fitBytes(input.text, MAX_OUTPUT_BYTES, CUT_OUTPUT) }),
    ...(input.annotations !== undefined && { annotations: input.annotations.map(fitAnnotation) }),
  };
}

function fitAnnotation(annotation: CheckAnnotation): CheckAnnotation {
  return {
    ...annotation,
    message: fitBytes(annotation.message, MAX_ANNOTATION_MESSAGE_BYTES, CUT),
    ...(annotation.title !== undefined && { title: fitLength(annotation.title, MAX_ANNOTATION_TITLE) }),
  };
}

/** At most `max` UTF-16 code units (so at most `max` characters), never splitting a surrogate pair. */
function fitLength(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - CUT.length;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end) + CUT;
}

/** At most `max` UTF-8 bytes, `note` included, cut at a character boundary. */
function fitBytes(text: string, max: number, note: string): string {
  const encoder = new TextEncoder();
  if (encoder.encode(text).length <= max) return text;
  const room = new Uint8Array(max - encoder.encode(note).length);
  const { read } = encoder.encodeInto(text, room);
  return text.slice(0, read) + note;
}
