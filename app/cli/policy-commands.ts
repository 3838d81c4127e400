/**
 * `agentgate policy check|test|explain [dir]` and `policy diff <base-dir> <head-dir>`: work on
 * policies offline, before opening a pull request. Reads the directories, runs the pure policy
 * module, prints, and sets the exit code.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { PolicyDiagnostic } from '../../sdk/schemas.js';
import { PolicyDirectoryError, readPolicyDir, readPolicyTestDir } from '../adapters/policy-files.js';
import {
  diffPolicyImpact,
  evaluatePolicy,
  formatDiagnostic,
  formatEvaluation,
  loadPolicySet,
  type PolicyLoadResult,
  type PolicyRequest,
  PolicyRequestInputSchema,
  parseReplayRequests,
  type ReplayRequest,
  runPolicyTests,
  testCaseRequests,
} from '../policy/index.js';
import { renderImpactText } from '../render/policy-impact.js';
import { CliError } from './cli-error.js';
import type { CliContext } from './cli-io.js';

const DEFAULT_DIR = './policies';

export function registerPolicyCommands(program: Command, context: CliContext): void {
  const write = context.print;
  const loadDir = (dir: string) => loadDirIn(context, dir);
  const policy = program
    .command('policy')
    .description('check, test and explain policies offline (no server needed)');

  policy
    .command('check')
    .description('validate every *.yaml/*.yml policy file in a directory')
    .argument('[dir]', 'policy directory', DEFAULT_DIR)
    .addHelpText(
      'after',
      '\nPrints <file>:<line>:<col>: error|warning: <message>; exits 1 if there is any error.',
    )
    .option('--json', 'print {ok, version, rules, files, errors, warnings} as JSON')
    .action(async (dir: string, options: { json?: boolean }) => {
      const loaded = await loadDir(dir);
      if (options.json) {
        const set = loaded.policySet;
        write(
          JSON.stringify(
            {
              ok: set !== null,
              version: set?.version ?? null,
              rules: set?.rules.length ?? 0,
              files: set?.files.length ?? 0,
              errors: loaded.errors,
              warnings: loaded.warnings,
            },
            null,
            2,
          ),
        );
        if (set === null) context.exitCode = 1;
        return;
      }
      const problems = [...loaded.errors, ...loaded.warnings].sort(byPosition);
      for (const d of problems) write(formatDiagnostic(d, shownIn(dir)));
      const counts = `${plural(loaded.errors.length, 'error')}, ${plural(loaded.warnings.length, 'warning')}`;
      if (loaded.policySet === null) {
        write(`${dir}: ${counts}`);
        context.exitCode = 1;
        return;
      }
      const { rules, files, version } = loaded.policySet;
      write(
        `${dir}: ${plural(rules.length, 'rule')} in ${plural(files.length, 'file')}, ${counts} (${version})`,
      );
    });

  policy
    .command('test')
    .description('run the policy tests in <dir>/tests/*.yaml against the policies in <dir>')
    .argument('[dir]', 'policy directory', DEFAULT_DIR)
    .addHelpText('after', '\nPrints one line per case, then "N passed, M failed"; exits 1 on any failure.')
    .option('--json', 'print {passed, failed, cases, errors} as JSON')
    .action(async (dir: string, options: { json?: boolean }) => {
      const loaded = await loadDir(dir);
      if (loaded.policySet === null) {
        if (options.json)
          write(JSON.stringify({ passed: 0, failed: 0, cases: [], errors: loaded.errors }, null, 2));
        else for (const d of loaded.errors) write(formatDiagnostic(d, shownIn(dir)));
        throw new CliError(`the policies in ${dir} have errors; fix them first (see above)`);
      }
      const testFiles = await readPolicyTestDir(context.path(dir));
      const report = runPolicyTests(loaded.policySet, testFiles);
      if (options.json) {
        write(JSON.stringify(report, null, 2));
        if (report.failed > 0 || report.errors.length > 0) context.exitCode = 1;
        return;
      }
      if (testFiles.size === 0) write(`no test files in ${join(dir, 'tests')}`);
      for (const d of report.errors) write(formatDiagnostic(d, shownIn(dir)));
      for (const c of report.cases) {
        const where = `${join(dir, c.file)}:${c.line}`;
        write(c.passed ? `pass  ${where}  ${c.name}` : `FAIL  ${where}  ${c.name}: ${c.failures.join('; ')}`);
      }
      write(`${report.passed} passed, ${report.failed} failed`);
      if (report.failed > 0 || report.errors.length > 0) context.exitCode = 1;
    });

  policy
    .command('explain')
    .description('show the decision the policies in a directory make for a request, and why')
    .argument('[dir]', 'policy directory', DEFAULT_DIR)
    .option(
      '--request <json>',
      'the request as JSON, e.g. \'{"action":"payments.send","params":{"amount":5000}}\'',
    )
    .option('--request-file <file>', 'read the request JSON from a file')
    .option('--json', 'print the evaluation result as JSON')
    .addHelpText(
      'after',
      '\nRequest keys: action (required), params, context, urgency (low|normal|high|critical),\nrepository, requester. Every rule is traced, matched or not.',
    )
    .action(async (dir: string, options: { request?: string; requestFile?: string; json?: boolean }) => {
      const request = await readRequest(context, options);
      const loaded = await loadDir(dir);
      for (const d of loaded.warnings) context.stderr.write(`${formatDiagnostic(d, shownIn(dir))}\n`);
      if (loaded.policySet === null) {
        for (const d of loaded.errors) context.stderr.write(`${formatDiagnostic(d, shownIn(dir))}\n`);
        throw new CliError(`the policies in ${dir} have errors; fix them first (see above)`);
      }
      const evaluation = evaluatePolicy(loaded.policySet, request, new Date(), { trace: 'all' });
      if (options.json) write(JSON.stringify(evaluation, null, 2));
      else context.stdout.write(formatEvaluation(evaluation, shownIn(dir)));
    });

  registerPolicyDiffCommand(policy, context);
}

/** `policy diff`: the impact report of the pull request check, for two directories on disk. */
function registerPolicyDiffCommand(policy: Command, context: CliContext): void {
  const write = context.print;
  const loadDir = (dir: string) => loadDirIn(context, dir);
  policy
    .command('diff')
    .description('show what changing the policies in <base-dir> to those in <head-dir> does to requests')
    .argument('<base-dir>', 'the policies as they are (e.g. a checkout of the default branch)')
    .argument('<head-dir>', 'the policies as changed')
    .option(
      '--requests <file>',
      "requests to replay: JSON Lines, or the output of `agentgate list --json` (default: the requests of both directories' policy tests)",
    )
    .option('--json', 'print the impact as JSON')
    .addHelpText(
      'after',
      '\nGroups the decisions that change (send_email: route_to_human → auto_approve ×12) with the rules\nresponsible and examples; changes that need fewer humans are marked !! WIDENS. Exits 1 when\neither directory has errors or a request cannot be read.',
    )
    .action(async (baseDir: string, headDir: string, options: { requests?: string; json?: boolean }) => {
      const [base, head] = [await loadDir(baseDir), await loadDir(headDir)];
      for (const [dir, loaded] of [
        [baseDir, base],
        [headDir, head],
      ] as const) {
        for (const d of loaded.errors) context.stderr.write(`${formatDiagnostic(d, shownIn(dir))}\n`);
      }
      if (base.policySet === null || head.policySet === null) {
        const broken = [base.policySet === null && baseDir, head.policySet === null && headDir].filter(
          Boolean,
        );
        throw new CliError(`the policies in ${broken.join(' and ')} have errors; fix them first (see above)`);
      }
      const { requests, scope } = await replayRequests(context, baseDir, headDir, options.requests);
      const impact = diffPolicyImpact(base.policySet, head.policySet, requests, new Date());
      if (options.json) write(JSON.stringify(impact, null, 2));
      else
        context.stdout.write(
          renderImpactText(impact, { pathOf: shownIn(headDir), basePathOf: shownIn(baseDir), scope }),
        );
    });
}

async function replayRequests(
  context: CliContext,
  baseDir: string,
  headDir: string,
  file: string | undefined,
): Promise<{ requests: ReplayRequest[]; scope: string }> {
  if (file === undefined) {
    const seen = new Set<string>();
    const requests: ReplayRequest[] = [];
    for (const dir of [headDir, baseDir]) {
      for (const request of testCaseRequests(await readPolicyTestDir(context.path(dir)))) {
        const { id: _id, createdAt: _at, ...decided } = request;
        const key = JSON.stringify(decided);
        if (seen.has(key)) continue;
        seen.add(key);
        requests.push({ ...request, id: join(dir, request.id ?? '') });
      }
    }
    const n = requests.length;
    return {
      requests,
      scope: `the ${plural(n, 'request')} of the policy tests (give past ones with --requests)`,
    };
  }
  let text: string;
  try {
    text = await readFile(context.path(file), 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const parsed = parseReplayRequests(text);
  if (parsed.errors.length > 0) {
    const problems = parsed.errors.map((e) => `${file}: ${e.where}: ${e.message}`);
    throw new CliError(`some requests in ${file} cannot be read:\n${problems.join('\n')}`);
  }
  return { requests: parsed.requests, scope: `${plural(parsed.requests.length, 'request')} from ${file}` };
}

async function loadDirIn(context: CliContext, dir: string): Promise<PolicyLoadResult> {
  const absolute = context.path(dir);
  try {
    return loadPolicySet(await readPolicyDir(absolute), { source: `dir:${dir}` });
  } catch (error) {
    // Name the directory as the user typed it.
    if (error instanceof PolicyDirectoryError) throw new CliError(error.message.replaceAll(absolute, dir));
    throw error;
  }
}

async function readRequest(
  context: CliContext,
  options: { request?: string; requestFile?: string },
): Promise<PolicyRequest> {
  if ((options.request === undefined) === (options.requestFile === undefined)) {
    throw new CliError("give the request with either --request '<json>' or --request-file <file>");
  }
  let text = options.request;
  const from = text === undefined ? options.requestFile : '--request';
  if (text === undefined) {
    try {
      text = await readFile(context.path(options.requestFile as string), 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${options.requestFile}: ${(error as Error).message}`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${from} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = PolicyRequestInputSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`);
    throw new CliError(`${from} is not a valid request: ${problems.join('; ')}`);
  }
  return parsed.data;
}

function shownIn(dir: string): (file: string) => string {
  return (file) => join(dir, file);
}

function byPosition(a: PolicyDiagnostic, b: PolicyDiagnostic): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
