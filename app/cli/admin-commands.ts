/**
 * Commands an operator runs on the server's machine: `serve`, `migrate`, and offline `keys` and
 * `audit verify` straight against the database (for bootstrap, and for when the server is down). The
 * database is DATABASE_URL's: a SQLite file, or PostgreSQL for a postgres:// URL.
 */
import type { Command } from 'commander';
import { CreateApiKeyBodySchema, SCOPES } from '../../sdk/schemas.js';
import { describeDatabase, migrateDatabase, openStore } from '../adapters/open-store.js';
import { ConfigError, loadConfig } from '../config.js';
import { systemClock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import { ApiKeyService } from '../services/api-key-service.js';
import { newId } from '../services/ids.js';
import { verifyAuditTrail } from '../services/verify-audit-trail.js';
import { auditCommand } from './audit-command.js';
import { CliError } from './cli-error.js';
import type { CliContext } from './cli-io.js';

function configuredDatabase(context: CliContext): string {
  try {
    return loadConfig(context.env).databaseUrl;
  } catch (error) {
    throw new CliError(error instanceof ConfigError ? error.message : String(error));
  }
}

async function withStore<T>(context: CliContext, fn: (store: Store) => Promise<T>): Promise<T> {
  const databaseUrl = configuredDatabase(context);
  let store: Store;
  try {
    store = await openStore(databaseUrl);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const keyService = (store: Store) => new ApiKeyService({ store, clock: systemClock, newId });

export function registerAdminCommands(program: Command, context: CliContext): void {
  const print = context.print;
  program
    .command('serve')
    .description('run the AgentGate server (configured by environment variables; see docs/operations.md)')
    .action(async () => {
      const { runServerProcess } = await import('../main.js');
      try {
        await runServerProcess(context.env);
      } catch (error) {
        throw new CliError(error instanceof Error ? error.message : String(error));
      }
    });

  program
    .command('migrate')
    .description(
      "bring the database (DATABASE_URL: a SQLite file or postgres://…) to this version's schema; the " +
        'server also does it on start. Safe to run while other instances start or run',
    )
    .option('--json', 'print {kind, applied, version} as JSON')
    .action(async (opts: { json?: boolean }) => {
      const databaseUrl = configuredDatabase(context);
      let report: Awaited<ReturnType<typeof migrateDatabase>>;
      try {
        report = await migrateDatabase(databaseUrl);
      } catch (error) {
        throw new CliError(error instanceof Error ? error.message : String(error));
      }
      if (opts.json) {
        print(JSON.stringify(report, null, 2));
        return;
      }
      const where = describeDatabase(databaseUrl);
      print(
        report.applied.length === 0
          ? `${where} is up to date: schema version ${report.version}. Nothing to do.`
          : `Migrated ${where} to schema version ${report.version}: applied ${report.applied
              .map((v) => `#${v}`)
              .join(', ')}.`,
      );
    });

  const keys = program.command('keys').description('manage API keys directly in the database (DATABASE_URL)');
  keys
    .command('create <name>')
    .description('create an API key and print it (shown only once)')
    .requiredOption('--scopes <list>', `comma-separated scopes: ${SCOPES.join(', ')}`)
    .option('--rate-limit <n>', 'requests per minute (default: unlimited)')
    .option('--repository <owner/name>', 'bind the key to one repository')
    .option('--json', 'print JSON')
    .action(
      async (
        name: string,
        opts: { scopes: string; rateLimit?: string; repository?: string; json?: boolean },
      ) => {
        const parsed = CreateApiKeyBodySchema.safeParse({
          name,
          scopes: opts.scopes
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          ...(opts.rateLimit !== undefined && { rateLimit: Number(opts.rateLimit) }),
          ...(opts.repository !== undefined && { repository: opts.repository }),
        });
        if (!parsed.success) {
          throw new CliError(
            parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '),
          );
        }
        const created = await withStore(context, (store) =>
          keyService(store).create(parsed.data, 'cli:keys'),
        );
        if (opts.json) {
          print(JSON.stringify(created, null, 2));
          return;
        }
        print(`Created key ${created.id} "${created.name}" with scopes ${created.scopes.join(', ')}.`);
        print(`\n  ${created.key}\n\nIt is shown only this once; store it as a secret.`);
      },
    );
  keys
    .command('list')
    .description('list API keys (never their secrets)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const list = await withStore(context, (store) => keyService(store).list());
      if (opts.json) {
        print(JSON.stringify(list, null, 2));
        return;
      }
      if (list.length === 0) {
        print('No API keys.');
        return;
      }
      for (const k of list) {
        const state = k.revokedAt ? `revoked ${k.revokedAt}` : 'active';
        const limit = k.rateLimit === null ? 'unlimited' : `${k.rateLimit}/min`;
        print(`${k.id}  ${k.name}  [${k.scopes.join(', ')}]  ${limit}  ${k.repository ?? '-'}  ${state}`);
      }
    });
  keys
    .command('revoke <id>')
    .description('revoke an API key; it is refused from then on')
    .option('--json', 'print the revoked key (never its secret) as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const revoked = await withStore(context, async (store) => {
        try {
          return await keyService(store).revoke(id, 'cli:keys');
        } catch {
          throw new CliError(`No API key with id "${id}" (see "agentgate keys list").`);
        }
      });
      print(opts.json ? JSON.stringify(revoked, null, 2) : `Revoked ${id}.`);
    });

  auditCommand(program)
    .command('verify')
    .description(
      'check that the audit trail is intact: its hash chain, and its length and end against the audit ' +
        'head (exit 1 if it was tampered with or truncated)',
    )
    .option('--json', 'print the verdict as JSON: {ok, checked, head, entryId?, problem?}')
    .action(async (opts: { json?: boolean }, command: Command) => {
      // `audit <id>` has its own --json, which claims the flag when it comes after `verify`.
      const json = opts.json || command.parent?.opts().json === true;
      const verdict = await withStore(context, verifyAuditTrail);
      if (json) print(JSON.stringify(verdict, null, 2));
      if (verdict.ok) {
        if (json) return;
        const end = verdict.head.lastHash === null ? '' : `, ending in ${verdict.head.lastHash}`;
        const entries = verdict.checked === 1 ? '1 entry' : `${verdict.checked} entries`;
        print(`Audit trail intact: ${entries} verified against the audit head${end}.`);
        return;
      }
      throw new CliError(
        verdict.entryId === undefined
          ? `Audit trail TAMPERED: ${verdict.problem}.`
          : `Audit trail TAMPERED at entry ${verdict.entryId} (after ${verdict.checked} good entries): ${verdict.problem}.`,
      );
    });
}
