/**
 * Runs the CLI from source, for tests that drive `agentgate` as a process:
 * `node --import tsx test/helpers/cli-entry.ts <args…>`.
 */
import { runCli } from '../../app/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
