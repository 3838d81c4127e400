/**
 * Waiting for a decision: long-polls `GET /api/requests/:id/wait` again and again until the request
 * is decided or our own deadline passes. A server without `/wait` (the original AgentGate) is
 * polled instead. Network errors, per-call timeouts, 5xx and 429 never end the wait: they are
 * retried with exponential backoff and jitter until the deadline.
 */
import { AgentGateError, TimeoutError } from './errors.js';
import { isRetryable, retryDelayMs, sleep, type Transport } from './http.js';
import { parseRequest } from './parse.js';
import type { ApprovalRequest } from './schemas.js';

/**
 * Options of `waitForDecision`. Times are in milliseconds, as in the original AgentGate SDK.
 *
 * @example
 * const options: WaitOptions = { timeout: 10 * 60_000, signal: AbortSignal.timeout(15 * 60_000) };
 */
export interface WaitOptions {
  /** Give up (with `TimeoutError`) after this long. Default 5 minutes; `Infinity` waits until decided or expired. */
  timeout?: number;
  /** Stops waiting at once; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Interval between polls against servers without `/wait`. Default 2000. */
  pollInterval?: number;
  /** Longest single long-poll, in seconds (1–60, default 60). Shorter means fresher `onProgress`. */
  longPollSeconds?: number;
  /** Called with every fresh view of the request while waiting, the final one included. */
  onProgress?: (request: ApprovalRequest) => void;
}

/** `waitForDecision` gives up after 5 minutes unless told otherwise, as the original SDK did. */
export const DEFAULT_WAIT_TIMEOUT_MS = 5 * 60 * 1000;
/** Poll interval against servers without `/wait`. */
export const DEFAULT_POLL_INTERVAL_MS = 2000;
const MAX_BACKOFF_MS = 15_000;
/** Time left for the server's answer to travel back before our own deadline. */
const ANSWER_SLACK_MS = 500;

export async function waitForDecision(
  transport: Transport,
  id: string,
  options: WaitOptions = {},
): Promise<ApprovalRequest> {
  const { signal, onProgress } = options;
  const timeout = options.timeout ?? DEFAULT_WAIT_TIMEOUT_MS;
  const pollInterval = options.pollInterval ?? DEFAULT_POLL_INTERVAL_MS;
  const longPollSeconds = Math.min(60, Math.max(1, Math.floor(options.longPollSeconds ?? 60)));
  const deadline = Date.now() + timeout;
  const path = `/api/requests/${encodeURIComponent(id)}`;
  let polling = false;
  let failures = 0;
  let last: ApprovalRequest | undefined;

  const timedOut = () =>
    new TimeoutError(`Timed out after ${timeout} ms waiting for a decision on request ${id}`, {
      request: last,
    });

  for (;;) {
    signal?.throwIfAborted();
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw timedOut();
    // Our deadline cuts a call short, so a long-poll never overshoots `timeout`.
    const deadlineSignal = Number.isFinite(remaining) ? AbortSignal.timeout(remaining) : undefined;
    const callSignal = anySignal(signal, deadlineSignal);
    const started = Date.now();
    try {
      let request: ApprovalRequest;
      if (polling) {
        request = parseRequest(await transport.send({ path, signal: callSignal }));
      } else {
        // Ends half a second before our deadline, so the server's answer (fresh state) arrives in
        // time; with less than that left, an immediate look (timeout=0).
        const seconds = Math.max(
          0,
          Math.min(longPollSeconds, Math.floor((remaining - ANSWER_SLACK_MS) / 1000)),
        );
        try {
          request = parseRequest(
            await transport.send({
              path: `${path}/wait`,
              query: { timeout: seconds },
              signal: callSignal,
              extraTimeoutMs: seconds * 1000,
            }),
          );
        } catch (error) {
          if (!isMissingEndpoint(error)) throw error;
          // Unknown id, or a server without /wait? Only the request itself can tell.
          request = parseRequest(await transport.send({ path, signal: callSignal }));
          polling = true;
        }
      }
      failures = 0;
      last = request;
      onProgress?.(request);
      if (request.status !== 'pending') return request;
      // Poll at `pollInterval`; also never spin on a server that answers a long-poll at once.
      if (polling || Date.now() - started < 1000) {
        await sleep(Math.min(pollInterval, Math.max(0, deadline - Date.now())), signal);
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (deadlineSignal?.aborted) throw timedOut();
      if (!isRetryable(error)) throw error;
      failures++;
      const delay = Math.min(retryDelayMs(error, failures, 500, MAX_BACKOFF_MS), deadline - Date.now());
      await sleep(Math.max(0, delay), signal);
    }
  }
}

function isMissingEndpoint(error: unknown): boolean {
  return error instanceof AgentGateError && [404, 405, 501].includes(error.status);
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}
