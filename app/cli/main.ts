/**
 * `agentgate`: the command line. Each group of commands lives in its own module and registers
 * itself here; this file only builds the program and maps failures to exit codes.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { registerAdminCommands } from './admin-commands.js';
import { CliError } from './cli-error.js';
import { registerClientCommands } from './client-commands.js';
import { registerPolicyCommands } from './policy-commands.js';

export function buildProgram(): Command {
  const program = new Command('agentgate')
    .description('AgentGate: the approval gate in front of AI agents’ actions')
    .version(VERSION, '-V, --version', 'print the version of the package')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerClientCommands(program);
  registerPolicyCommands(program);
  registerAdminCommands(program);
  return program;
}

/** Runs the CLI; resolves to the exit code. Errors print one line, never a stack trace. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      process.stderr.write(`agentgate: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`agentgate: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
