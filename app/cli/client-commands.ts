/**
 * The CLI's client commands: `request`, `status`, `list`, `wait`, `approve`, `deny`, `cancel`,
 * `audit <id>` and `config`. Each is a thin layer over the SDK client.
 *
 * Exit codes (`wait`, and `request` with or without `--wait`): 0 approved (or created and pending),
 * 1 error, 2 denied, 3 expired or cancelled, 4 still pending when `--timeout` ran out.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  AgentGateClient,
  AgentGateError,
  type ApprovalRequest,
  durationToSeconds,
  type JsonObject,
  REQUEST_STATUSES,
  TimeoutError,
  URGENCIES,
} from '../../sdk/index.js';
import { auditCommand } from './audit-command.js';
import { CliError } from './cli-error.js';
import type { CliContext } from './cli-io.js';
import {
  maskKey,
  normalizeSetting,
  type ResolvedConfig,
  readConfigFile,
  resolveConfig,
  writeConfigFile,
} from './config.js';
import {
  formatAuditTable,
  formatOutcome,
  formatRequestDetails,
  formatRequestTable,
  ProgressLine,
  toJson,
} from './format.js';

const EXIT_CODES = {
  approved: 0,
  error: 1,
  denied: 2,
  expiredOrCancelled: 3,
  waitTimedOut: 4,
} as const;

const EXIT_HELP = `
Exit codes:
  0  approved (for request without --wait: created and pending, or approved)
  1  error (bad input, unknown id, server unreachable, …)
  2  denied
  3  expired or cancelled
  4  still pending when --timeout ran out`;

export function registerClientCommands(program: Command, context: CliContext): void {
  const print = context.print;
  const connect = () => connectWith(context);
  const handled = <A extends unknown[]>(fn: (...args: A) => Promise<void>, subject?: string) =>
    handledIn(context, fn, subject);
  program
    .command('request')
    .description('ask for approval of an action')
    .argument('<action>', 'what the agent wants to do, e.g. send_email or deploy:production')
    .option('--params <json>', 'the action’s arguments, a JSON object', parseJsonObject('--params'))
    .option(
      '--context <json>',
      'free-form facts (agent, task, PR url…), a JSON object',
      parseJsonObject('--context'),
    )
    .addOption(new Option('--urgency <level>', 'how soon a human should look').choices(URGENCIES))
    .option('--timeout <duration>', 'how long the request stays pending: seconds or 90s, 30m, 4h, 2d')
    .option('--idempotency-key <key>', 'repeat a create safely: the same key returns the same request')
    .option('--wait [timeout]', 'wait for the decision (at most this long, e.g. 10m; default until decided)')
    .option('--json', 'print the raw request object')
    .addHelpText('after', EXIT_HELP)
    .action(
      handled(async (action: string, opts: RequestOpts) => {
        const waitMs =
          opts.wait === undefined || opts.wait === true ? undefined : parseDurationMs(opts.wait, '--wait');
        const { client } = connect();
        const created = await client.request({
          action,
          params: opts.params,
          context: opts.context,
          urgency: opts.urgency,
          timeout: opts.timeout === undefined ? undefined : parseExpiry(opts.timeout),
          idempotencyKey: opts.idempotencyKey,
        });
        if (opts.wait !== undefined && created.status === 'pending') {
          if (!opts.json)
            print(`created ${created.id}${created.review?.url ? ` — review at ${created.review.url}` : ''}`);
          await waitAndReport(context, client, created, { timeoutMs: waitMs, json: opts.json });
          return;
        }
        print(opts.json ? toJson(created) : formatRequestDetails(created, new Date()));
        context.exitCode = exitCodeFor(created);
      }),
    );

  program
    .command('status')
    .description('show one request')
    .argument('<id>', 'request id')
    .option('--json', 'print the raw request object')
    .action(
      handled(async (id: string, opts: JsonOpt) => {
        const request = await connect().client.getRequest(id);
        print(opts.json ? toJson(request) : formatRequestDetails(request, new Date()));
      }, 'request'),
    );

  program
    .command('list')
    .description('list requests, newest first')
    .addOption(new Option('--status <status>', 'only requests in this status').choices(REQUEST_STATUSES))
    .option('--action <action>', 'only requests for this action (exact)')
    .addOption(new Option('--urgency <level>', 'only requests of this urgency').choices(URGENCIES))
    .option('--limit <n>', 'at most this many (1–100, default 50)', parseWholeNumber('--limit'))
    .option('--offset <n>', 'skip this many', parseWholeNumber('--offset'))
    .option('--json', 'print {requests, pagination} as the server sent it')
    .action(
      handled(async (opts: ListOpts) => {
        const { json, ...filters } = opts;
        const page = await connect().client.listRequests(filters);
        print(json ? toJson(page) : formatRequestTable(page.requests, page.pagination));
      }),
    );

  program
    .command('wait')
    .description('wait until a request is decided or expires; the exit code tells the outcome')
    .argument('<id>', 'request id')
    .option('--timeout <duration>', 'stop waiting after this long (e.g. 90s, 10m); default until decided')
    .option('--json', 'print the final request object')
    .addHelpText('after', EXIT_HELP)
    .action(
      handled(async (id: string, opts: { timeout?: string; json?: boolean }) => {
        const timeoutMs = opts.timeout === undefined ? undefined : parseDurationMs(opts.timeout, '--timeout');
        await waitAndReport(context, connect().client, id, { timeoutMs, json: opts.json });
      }, 'request'),
    );

  for (const [name, decision] of [
    ['approve', 'approved'],
    ['deny', 'denied'],
  ] as const) {
    program
      .command(name)
      .description(`${name} a pending request as an operator (needs a request:decide key)`)
      .argument('<id>', 'request id')
      .option('--reason <text>', 'why; kept with the decision and shown on GitHub')
      .option('--json', 'print the decided request object')
      .action(
        handled(async (id: string, opts: ReasonOpts) => {
          const request = await connect().client.decide(id, decision, { reason: opts.reason });
          print(opts.json ? toJson(request) : formatOutcome(request));
        }, 'request'),
      );
  }

  program
    .command('cancel')
    .description('cancel a pending request')
    .argument('<id>', 'request id')
    .option('--reason <text>', 'why')
    .option('--json', 'print the cancelled request object')
    .action(
      handled(async (id: string, opts: ReasonOpts) => {
        const request = await connect().client.cancel(id, { reason: opts.reason });
        print(opts.json ? toJson(request) : formatOutcome(request));
      }, 'request'),
    );

  addAuditTrail(auditCommand(program), context);

  const config = program.command('config').description('where the CLI finds the server and its API key');
  config
    .command('set')
    .description('save a setting in the config file (mode 0600)')
    .argument('<name>', 'url or api-key')
    .argument('<value>', 'the value')
    .option('--json', 'print the saved settings (key masked)')
    .action(
      handled(async (name: string, value: string, opts: JsonOpt) => {
        const setting = normalizeSetting(name, value);
        const path = resolveConfig(context.env).path;
        writeConfigFile(path, { ...readConfigFile(path), [setting.field]: setting.value });
        const shown = setting.field === 'apiKey' ? maskKey(setting.value) : setting.value;
        print(opts.json ? toJson({ path, [setting.field]: shown }) : `saved ${name} = ${shown} in ${path}`);
      }),
    );
  config
    .command('show')
    .description('show the settings in effect and where each comes from (key masked)')
    .option('--json', 'print them as JSON')
    .action(
      handled(async (opts: JsonOpt) => {
        const resolved = resolveConfig(context.env);
        const shown = {
          url: resolved.url,
          apiKey: maskKey(resolved.apiKey),
          path: resolved.path,
          sources: resolved.sources,
        };
        if (opts.json) return print(toJson(shown));
        print(
          [
            `url:      ${shown.url} (${describeSource(resolved.sources.url, 'AGENTGATE_URL')})`,
            `api key:  ${shown.apiKey ?? '(none)'} (${describeSource(resolved.sources.apiKey, 'AGENTGATE_API_KEY')})`,
            `file:     ${shown.path}`,
          ].join('\n'),
        );
      }),
    );
}

/** `audit <id>`: the trail of one request, oldest first. */
function addAuditTrail(audit: Command, context: CliContext): void {
  audit
    .argument('[id]', 'request id: show its audit trail, oldest first')
    .option('--json', 'print the raw audit entries')
    .action(
      handledIn(
        context,
        async (id: string | undefined, opts: JsonOpt) => {
          if (id === undefined)
            throw new CliError('give a request id (agentgate audit <id>), or see agentgate audit --help');
          const entries = await connectWith(context).client.getAudit(id);
          context.print(opts.json ? toJson(entries) : formatAuditTable(entries));
        },
        'request',
      ),
    );
}

interface JsonOpt {
  json?: boolean;
}
interface ReasonOpts extends JsonOpt {
  reason?: string;
}
interface RequestOpts extends JsonOpt {
  params?: JsonObject;
  context?: JsonObject;
  urgency?: (typeof URGENCIES)[number];
  timeout?: string;
  idempotencyKey?: string;
  wait?: string | true;
}
interface ListOpts extends JsonOpt {
  status?: (typeof REQUEST_STATUSES)[number];
  action?: string;
  urgency?: (typeof URGENCIES)[number];
  limit?: number;
  offset?: number;
}

/** The config each run resolved, for error messages that name the server it tried. */
const resolvedFor = new WeakMap<CliContext, ResolvedConfig>();

function connectWith(context: CliContext): { client: AgentGateClient; config: ResolvedConfig } {
  const config = resolveConfig(context.env);
  resolvedFor.set(context, config);
  const client = new AgentGateClient({ baseUrl: config.url, apiKey: config.apiKey, fetch: context.fetch });
  return { client, config };
}

async function waitAndReport(
  context: CliContext,
  client: AgentGateClient,
  subject: string | ApprovalRequest,
  options: { timeoutMs: number | undefined; json: boolean | undefined },
): Promise<void> {
  const id = typeof subject === 'string' ? subject : subject.id;
  const line = context.stdout.isTTY && !options.json ? new ProgressLine(context.stdout) : undefined;
  let request: ApprovalRequest;
  try {
    // A long-poll only answers on a decision, so show where things stand before it starts.
    if (line) line.update(typeof subject === 'string' ? await client.getRequest(id) : subject);
    request = await client.waitForDecision(id, {
      timeout: options.timeoutMs ?? Number.POSITIVE_INFINITY,
      longPollSeconds: line ? 15 : 60,
      onProgress: (r) => line?.update(r),
    });
  } catch (error) {
    line?.stop();
    if (error instanceof TimeoutError && error.code === 'timeout') {
      if (options.json && error.request) context.print(toJson(error.request));
      throw new CliError(
        `${id} is still pending; stopped waiting after ${formatMs(options.timeoutMs)}`,
        EXIT_CODES.waitTimedOut,
      );
    }
    throw error;
  }
  line?.stop();
  context.print(options.json ? toJson(request) : formatOutcome(request));
  context.exitCode = exitCodeFor(request);
}

function exitCodeFor(request: ApprovalRequest): number {
  switch (request.status) {
    case 'approved':
    case 'pending':
      return EXIT_CODES.approved;
    case 'denied':
      return EXIT_CODES.denied;
    default:
      return EXIT_CODES.expiredOrCancelled;
  }
}

/** Wraps an action so SDK failures become one clear line (and the right exit code), never a stack. */
function handledIn<A extends unknown[]>(
  context: CliContext,
  fn: (...args: A) => Promise<void>,
  subject?: string,
) {
  return async (...args: A): Promise<void> => {
    try {
      await fn(...args);
    } catch (error) {
      throw toCliError(
        error,
        resolvedFor.get(context),
        subject && typeof args[0] === 'string' ? `${subject} ${args[0]}` : undefined,
      );
    }
  };
}

function toCliError(
  error: unknown,
  config: ResolvedConfig | undefined,
  subject: string | undefined,
): unknown {
  if (!(error instanceof AgentGateError)) return error;
  if (error.code === 'not_found' && subject) return new CliError(`${subject} not found`);
  if (error.code === 'network_error' || error.code === 'request_timeout') {
    return new CliError(
      `cannot reach the AgentGate server at ${config?.url}: ${error.message}. ` +
        'Is it running? Set AGENTGATE_URL or run `agentgate config set url <url>`.',
    );
  }
  if (error.status === 401 && !config?.apiKey) {
    return new CliError(
      `${error.message} No API key is configured: set AGENTGATE_API_KEY or run \`agentgate config set api-key <key>\`.`,
    );
  }
  const details = formatValidationDetails(error.details);
  return new CliError(`${error.message}${details} (${error.code})`);
}

function formatValidationDetails(details: unknown): string {
  if (!Array.isArray(details) || details.length === 0) return '';
  const items = details.map((d) =>
    typeof d === 'object' && d && 'message' in d ? String(d.message) : JSON.stringify(d),
  );
  return `: ${items.join('; ')}`;
}

function parseJsonObject(flag: string) {
  return (text: string): JsonObject => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new InvalidArgumentError(`${flag} must be JSON, e.g. '{"to":"ops@example.com"}'.`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InvalidArgumentError(`${flag} must be a JSON object, e.g. '{"to":"ops@example.com"}'.`);
    }
    return value as JsonObject;
  };
}

function parseWholeNumber(flag: string) {
  return (text: string): number => {
    if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`${flag} must be a whole number.`);
    return Number(text);
  };
}

/** The API's format: a number is seconds, else a duration such as `30m`. */
function parseExpiry(text: string): number | string {
  if (durationToSeconds(/^\d+$/.test(text) ? Number(text) : text) === null) {
    throw new CliError(`--timeout must be seconds or a duration such as 90s, 30m, 4h, 2d (got "${text}")`);
  }
  return /^\d+$/.test(text) ? Number(text) : text;
}

function parseDurationMs(text: string, flag: string): number {
  const seconds = durationToSeconds(/^\d+$/.test(text) ? Number(text) : text);
  if (seconds === null)
    throw new CliError(`${flag} must be seconds or a duration such as 90s, 10m, 1h (got "${text}")`);
  return seconds * 1000;
}

function formatMs(ms: number | undefined): string {
  if (ms === undefined) return 'ever';
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}

function describeSource(source: string, variable: string): string {
  if (source === 'env') return `from ${variable}`;
  if (source === 'file') return 'from the config file';
  return source === 'default' ? 'default' : 'not set';
}
