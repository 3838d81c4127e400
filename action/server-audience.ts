/**
 * Which audience the job's OIDC token is minted for (DESIGN §11): the `audience` input, else what
 * the server announces as `oidcAudience` in `GET /health`, else `agentgate` (servers from before
 * the announcement). So a token minted for one AgentGate server is refused by any other, with no
 * setting to keep in step.
 */
import type { Health } from '../sdk/index.js';

/** What servers that announce no audience expect. */
const LEGACY_AUDIENCE = 'agentgate';

export async function audienceFor(
  input: string | undefined,
  health: () => Promise<Pick<Health, 'oidcAudience'>>,
  serverUrl: string,
): Promise<string> {
  if (input) return input;
  let announced: string | undefined;
  try {
    announced = (await health()).oidcAudience;
  } catch (error) {
    throw new Error(
      `Could not read the OIDC audience the server announces at ${serverUrl}/health ` +
        `(${error instanceof Error ? error.message : String(error)}). Check "server-url", or set the "audience" input ` +
        '(the server’s AGENTGATE_OIDC_AUDIENCE) to skip this.',
    );
  }
  return announced || LEGACY_AUDIENCE;
}
