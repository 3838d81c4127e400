/**
 * A bounded wait inside one tool call. MCP clients time calls out (the SDK's default is 60 s), so
 * while the request stays pending we send progress notifications when the caller asked for them
 * (a `progressToken`); clients that reset their timeout on progress can then wait the full bound.
 */
import type { ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import { type AgentGateClient, type ApprovalRequest, TimeoutError } from '../sdk/index.js';

/** The part of the SDK's `RequestHandlerExtra` a wait uses. */
export interface WaitExtra {
  signal: AbortSignal;
  _meta?: { progressToken?: string | number } & Record<string, unknown>;
  sendNotification(notification: ServerNotification): Promise<void>;
}

/** Longest single long-poll, so a progress notification goes out at least this often (seconds). */
const PROGRESS_EVERY_SECONDS = 15;
/**
 * The SDK asks the server for whole seconds, rounded down from what is left; with exactly N s left
 * the server's answer at N s would lose the race with our own deadline, and the last state seen
 * would be lost. A little slack lets the last long-poll answer first.
 */
const SLACK_MS = 250;

/** The request once decided, or as it is when `seconds` have passed. */
export async function waitForRequest(
  client: AgentGateClient,
  id: string,
  seconds: number,
  extra: WaitExtra,
): Promise<ApprovalRequest> {
  const started = Date.now();
  const token = extra._meta?.progressToken;
  let sent = 0;
  const onProgress = (request: ApprovalRequest) => {
    if (token === undefined || request.status !== 'pending') return;
    const elapsed = Math.min(seconds, (Date.now() - started) / 1000);
    if (elapsed <= sent) return; // progress must increase with every notification
    sent = elapsed;
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: {
          progressToken: token,
          progress: elapsed,
          total: seconds,
          message: `Request ${id} still awaits a human decision (${Math.round(elapsed)} of ${seconds} s).`,
        },
      })
      .catch(() => {
        // The client went away; the wait ends with the call's signal.
      });
  };
  try {
    return await client.waitForDecision(id, {
      timeout: seconds * 1000 + SLACK_MS,
      signal: extra.signal,
      longPollSeconds: PROGRESS_EVERY_SECONDS,
      onProgress,
    });
  } catch (error) {
    if (!(error instanceof TimeoutError) || error.code !== 'timeout') throw error;
    return error.request ?? (await client.getRequest(id, { signal: extra.signal }));
  }
}
