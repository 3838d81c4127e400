/** The stdio server's configuration, from the environment, with a message that says what to fix. */
export type StdioConfig = { url: string; apiKey: string } | { error: string };

export function readStdioConfig(env: NodeJS.ProcessEnv): StdioConfig {
  const url = env.AGENTGATE_URL?.trim();
  const apiKey = env.AGENTGATE_API_KEY?.trim();
  const missing = [!url && 'AGENTGATE_URL', !apiKey && 'AGENTGATE_API_KEY'].filter(Boolean);
  if (missing.length > 0 || !url || !apiKey) {
    return {
      error: `set ${missing.join(' and ')} in the environment: AGENTGATE_URL is the AgentGate server (e.g. http://localhost:3000), AGENTGATE_API_KEY an agk_… key with the request:create scope (create one with: agentgate keys create my-agent --scopes request:create,request:read).`,
    };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { error: `AGENTGATE_URL is not a URL: "${url}"; use e.g. http://localhost:3000.` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { error: `AGENTGATE_URL must be an http(s) URL, not "${url}".` };
  }
  return { url, apiKey };
}
