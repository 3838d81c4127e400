/**
 * `agentgate`: the command line. Each group of commands lives in its own module and registers
 * itself here; this file only builds the program and maps failures to exit codes.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { registerAdminCommands } from './admin-commands.js';
import { CliError } from './cli-error.js';
import { type CliContext, type CliIo, createCliContext } from './cli-io.js';
import { registerClientCommands } from './client-commands.js';
import { registerPolicyCommands } from './policy-commands.js';

export function buildProgram(context: CliContext = createCliContext()): Command {
  const program = new Command('agentgate')
    .description('AgentGate: the approval gate in front of AI agents’ actions')
    .version(VERSION, '-V, --version', 'print the version of the package')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .exitOverride();
  registerClientCommands(program, context);
  registerPolicyCommands(program, context);
  registerAdminCommands(program, context);
  return program;
}

/**
 * Runs the CLI; resolves to the exit code instead of exiting, so it can run in-process with
 * captured streams (`io`, the real process's by default). Errors print one line, never a stack trace.
 */
export async function runCli(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const context = createCliContext(io);
  try {
    await buildProgram(context).parseAsync(argv, { from: 'user' });
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const message = error instanceof Error ? error.message : String(error);
    context.stderr.write(`agentgate: ${message}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
