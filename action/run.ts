/**
 * The host around `main`: reads inputs, authenticates (API key, else the job's OIDC token), turns
 * workflow cancellation into an abort, writes outputs and the job summary, and fails the step in
 * exactly one place. `runPost` is the `post` step: it cancels a request the main step was still
 * waiting on when it was killed.
 */
import * as core from '@actions/core';
import { AgentGateClient } from '../sdk/index.js';
import { IdTokenSource } from './id-token.js';
import { type ActionInputs, readInputs } from './inputs.js';
import { main } from './main.js';
import { withPullRequestHead } from './pull-request-head.js';
import { readRunContext } from './run-context.js';
import { audienceFor } from './server-audience.js';
import { renderSummary } from './summary.js';

const STATE_REQUEST_ID = 'requestId';
const STATE_WAITING = 'waiting';
/** Saved by the main step; its presence tells the `post` invocation of the same bundle apart. */
export const STATE_IS_POST = 'isPost';

const getInput = (name: string) => core.getInput(name);

async function clientFor(inputs: ActionInputs): Promise<AgentGateClient> {
  if (inputs.apiKey) {
    core.setSecret(inputs.apiKey);
    return new AgentGateClient({ baseUrl: inputs.serverUrl, apiKey: inputs.apiKey });
  }
  const anonymous = new AgentGateClient({ baseUrl: inputs.serverUrl });
  const audience = await audienceFor(inputs.audience, () => anonymous.health(), inputs.serverUrl);
  const tokens = new IdTokenSource((aud) => core.getIDToken(aud), audience);
  await tokens.get(); // fail now, with the permissions hint, rather than inside the first call
  return new AgentGateClient({ baseUrl: inputs.serverUrl, fetch: tokens.fetch() });
}

export async function run(): Promise<void> {
  core.saveState(STATE_IS_POST, 'true');
  const cancelled = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => cancelled.abort(signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let failure: string | null;
  try {
    const inputs = readInputs(getInput);
    if (inputs.githubToken) core.setSecret(inputs.githubToken);
    const client = await clientFor(inputs);
    const runContext = await withPullRequestHead(readRunContext(), {
      token: inputs.githubToken,
      apiUrl: process.env.GITHUB_API_URL || 'https://api.github.com',
    });
    const result = await main({
      client,
      inputs,
      run: runContext,
      step: process.env.GITHUB_ACTION,
      log: { info: core.info, warning: core.warning },
      signal: cancelled.signal,
      onState: ({ requestId, waiting }) => {
        core.setOutput('request-id', requestId);
        core.saveState(STATE_REQUEST_ID, requestId);
        core.saveState(STATE_WAITING, String(waiting));
      },
    });
    const { request, url } = result;
    core.setOutput('status', request.status);
    core.setOutput('decided-by', request.decidedBy ?? '');
    core.setOutput('reason', request.decisionReason ?? '');
    core.setOutput('url', url);
    const gated = request.context.sha;
    core.setOutput('sha', typeof gated === 'string' ? gated : '');
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(renderSummary(request, url)).write();
    if (!result.failure && ['denied', 'expired', 'cancelled'].includes(request.status)) {
      core.warning(
        `Request ${request.id} was ${request.status}; the step passes because fail-on-denied is false.`,
      );
    }
    failure = result.failure;
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (failure) core.setFailed(failure);
}

/** The `post` step: the job is over; a request the main step was still waiting on is withdrawn. */
export async function runPost(): Promise<void> {
  const requestId = core.getState(STATE_REQUEST_ID);
  if (!requestId || core.getState(STATE_WAITING) !== 'true') return;
  try {
    const client = await clientFor(readInputs(getInput));
    const request = await client.getRequest(requestId);
    if (request.status !== 'pending') return;
    await client.cancel(requestId, { reason: 'The job ended before a decision arrived.' });
    core.info(`Cancelled request ${requestId}: the job ended before a decision arrived.`);
  } catch (error) {
    core.warning(
      `Could not cancel request ${requestId}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
