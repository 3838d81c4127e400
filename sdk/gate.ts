/**
 * `gate()`: the one-liner an agent developer wants. Ask, wait, and run the action only on "yes".
 */
import type { AgentGateClient, RequestInput } from './client.js';
import { DeniedError } from './errors.js';
import type { ApprovalRequest, JsonObject } from './schemas.js';

/**
 * Options of `gate()`: the request's fields (`context`, `urgency`, `timeout`, `expiresAt`,
 * `idempotencyKey`, `signal`) plus how to wait.
 *
 * @example
 * const options: GateOptions = { urgency: 'high', timeout: '30m', waitTimeout: 10 * 60_000 };
 */
export interface GateOptions extends Omit<RequestInput, 'action' | 'params'> {
  /** Longest wait for the decision in ms; default: until the request is decided or expires on the server. */
  waitTimeout?: number;
  /** Interval between polls against servers without `/wait`, in ms. */
  pollInterval?: number;
  /** Called once with the new request when it awaits humans, e.g. to log `request.review?.url`. */
  onPending?: (request: ApprovalRequest) => void;
  /** Called with every fresh view of the request while waiting. */
  onProgress?: (request: ApprovalRequest) => void;
  /**
   * Cancel the request when we stop waiting (wait timeout or abort), so nobody approves an action
   * that will never run. Default true.
   */
  cancelOnAbandon?: boolean;
}

/**
 * Requests approval for `action`, waits for the decision, and runs `fn` only when approved,
 * resolving to its result. Denied, expired or cancelled requests throw `DeniedError` with
 * `decidedBy` and `reason`; `fn` never runs. Policies that auto-approve make this one round trip.
 *
 * `timeout` (seconds or `"30m"`) is how long the request stays pending on the server;
 * `waitTimeout` (ms) is how long this call waits, and throws `TimeoutError` after.
 *
 * @example
 * import { AgentGateClient, DeniedError, gate } from '@agentgate-gh/sdk';
 *
 * const client = new AgentGateClient({ baseUrl: 'http://localhost:3000', apiKey: process.env.AGENTGATE_API_KEY });
 * try {
 *   const sent = await gate(client, 'send_email', { to: 'all@example.com' }, () => mailer.send(draft), {
 *     context: { task: 'weekly newsletter' },
 *     timeout: '1h',
 *     onPending: (r) => console.log(`waiting for approval: ${r.review?.url ?? r.id}`),
 *   });
 * } catch (error) {
 *   if (error instanceof DeniedError) console.log(`not sent: ${error.reason} (${error.decidedBy})`);
 *   else throw error;
 * }
 */
export async function gate<T>(
  client: AgentGateClient,
  action: string,
  params: JsonObject,
  fn: (request: ApprovalRequest) => T | Promise<T>,
  options: GateOptions = {},
): Promise<T> {
  const {
    waitTimeout = Number.POSITIVE_INFINITY,
    pollInterval,
    onPending,
    onProgress,
    cancelOnAbandon = true,
    ...requestFields
  } = options;
  const { signal } = options;
  let request = await client.request({ ...requestFields, action, params });
  if (request.status === 'pending') {
    onPending?.(request);
    try {
      request = await client.waitForDecision(request.id, {
        timeout: waitTimeout,
        pollInterval,
        onProgress,
        signal,
      });
    } catch (error) {
      if (cancelOnAbandon) {
        await client.cancel(request.id, { reason: 'the requester stopped waiting' }).catch(() => undefined);
      }
      throw error;
    }
  }
  if (request.status !== 'approved') throw new DeniedError(request);
  return await fn(request);
}
