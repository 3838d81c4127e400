/**
 * An `agentgate` executable for shell-script tests that runs each command in the test process:
 * a tiny Node client posts its argv, environment and directory to a local server here, which runs
 * the CLI in-process and answers with the output and exit code. The scripts run for real (sh, jq,
 * exit codes) without paying a TypeScript start-up per command; the CLI's own process behaviour
 * has its smoke test in test/cli/cli-process.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runCli } from './run-cli.js';

export interface CliBridge {
  /** Put this first on PATH. */
  binDir: string;
  close(): Promise<void>;
}

interface BridgeCall {
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/** Writes the executable into `dir` (a temp dir the caller removes). */
export async function startCliBridge(dir: string): Promise<CliBridge> {
  const server = createServer(async (req, res) => {
    const call = JSON.parse(await readBody(req)) as BridgeCall;
    const run = await runCli(call.args, { env: call.env, cwd: call.cwd });
    res.setHeader('content-type', 'application/json').end(JSON.stringify(run));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = join(dir, 'agentgate-client.mjs');
  writeFileSync(
    client,
    `const res = await fetch('http://127.0.0.1:${port}/', {
  method: 'POST',
  body: JSON.stringify({ args: process.argv.slice(2), env: process.env, cwd: process.cwd() }),
});
const run = await res.json();
process.stdout.write(run.stdout);
process.stderr.write(run.stderr);
process.exitCode = run.code;
`,
  );
  writeFileSync(join(dir, 'agentgate'), `#!/bin/sh\nexec "${process.execPath}" "${client}" "$@"\n`, {
    mode: 0o755,
  });
  return {
    binDir: dir,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}
