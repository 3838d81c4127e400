import type { Command } from 'commander';

/**
 * The `audit` group is shared: the client commands add `audit <id>` (a request's trail, over the
 * API) and the admin commands add `audit verify` (the whole chain, from the database).
 */
export function auditCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'audit') ??
    program
      .command('audit')
      .description('a request’s audit trail (audit <id>), or check the whole chain (audit verify)')
  );
}
