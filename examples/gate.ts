/**
 * Gate a real action on approval: the agent asks, a policy or a human decides, and the action runs
 * only on "yes". Against a running server:
 *
 *   AGENTGATE_URL=http://localhost:3000 AGENTGATE_API_KEY=agk_… npx tsx examples/gate.ts
 *
 * then approve it from another terminal: `agentgate approve <id> --reason "numbers checked"`.
 */
import { writeFile } from 'node:fs/promises';
import { AgentGateClient, DeniedError } from '@agentgate-gh/sdk';

const client = new AgentGateClient({
  baseUrl: process.env.AGENTGATE_URL ?? 'http://localhost:3000',
  apiKey: process.env.AGENTGATE_API_KEY,
});

async function publishReport(path: string): Promise<string> {
  await writeFile(path, 'Q3: revenue up 12%\n');
  return path;
}

try {
  const published = await client.gate(
    'report.publish',
    { path: 'q3-report.txt', audience: 'investors' },
    (request) => publishReport(String(request.params.path)),
    {
      context: { agent: 'report-bot', task: 'quarterly report' },
      timeout: '1h', // the request expires on the server after an hour without a decision
      onPending: (request) => console.log(`waiting for approval of ${request.id}`),
    },
  );
  console.log(`published ${published}`);
} catch (error) {
  if (!(error instanceof DeniedError)) throw error;
  console.log(`not published: ${error.status} by ${error.decidedBy}: ${error.reason}`);
  process.exitCode = 2;
}
