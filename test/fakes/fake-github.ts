/**
 * A small stateful GitHub REST API on 127.0.0.1 for tests: the endpoints AgentGate calls, under
 * `/api/v3` like GitHub Enterprise (so `GHE_HOST=127.0.0.1:<port>` + `GHE_PROTOCOL=http` reach it).
 * It checks that app endpoints get the app's JWT and the rest an installation token, paginates with
 * `Link` headers, and can fail on demand (`failNext`), also after doing the work (a 5xx, a dropped
 * connection or no answer at all from a GitHub that did create the issue). Like GitHub, every GET
 * answer carries an `ETag`, and a GET whose `If-None-Match` still matches is answered
 * `304 Not Modified` (which GitHub does not count against the rate limit); `calls` records each
 * call with its status, and `apiCalls()` counts them as GitHub's rate limit would.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  assignees: string[];
  state: 'open' | 'closed';
  state_reason: string | null;
  closed_by: string | null;
  created_at: string;
  updated_at: string;
}

/** A `closed` or `reopened` event of an issue, as `GET …/issues/{number}/events` lists it. */
export interface FakeIssueEvent {
  id: number;
  event: 'closed' | 'reopened';
  actor: { login: string; type: string } | null;
  /** The commit that closed the issue (`closes #N`), else null. */
  commit_id: string | null;
  created_at: string;
}

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: string };
  created_at: string;
  updated_at: string;
  reactions: string[];
  /** `https://github.test/<repo>/pull/<n>#issuecomment-<id>` (`/issues/` on an issue), as GitHub links it. */
  html_url: string;
}

export interface FakeAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
}

export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  external_id: string | null;
  details_url: string | null;
  actions: Array<{ label: string; description: string; identifier: string }>;
  /** Annotations accumulate across writes, as on GitHub. */
  output: {
    title: string | null;
    summary: string | null;
    text: string | null;
    annotations: FakeAnnotation[];
  };
  html_url: string;
  started_at: string;
  completed_at: string | null;
}

export interface FakeReview {
  id: number;
  user: { login: string; type: string };
  body: string;
  /** Uppercase, as the REST API lists them (webhooks say `approved`). */
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
  commit_id: string;
  submitted_at: string;
  /** `https://github.test/<repo>/pull/<n>#pullrequestreview-<id>`. */
  html_url: string;
}

export interface FakePullRequest {
  number: number;
  baseRef: string;
  /** The base branch's head when the pull request was opened: what its files are compared with. */
  baseSha: string;
  headRef: string;
  author: string;
  state: 'open' | 'closed';
  /** `owner/name` the head branch lives in: another repository for a pull request from a fork. */
  headRepository: string;
}

/** A workflow run (only what deployment protection rules need). */
export interface FakeWorkflowRun {
  id: number;
  head_sha: string;
  head_branch: string;
  event: string;
  status: 'waiting' | 'in_progress' | 'completed';
  conclusion: string | null;
  actor: string;
  pull_requests: number[];
  created_at: string;
  /** Environments the run waits to deploy to (its pending deployments). */
  pending: string[];
}

export interface FakeDeployment {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  creator: string;
  runId: number;
}

/** An answer posted to `POST …/actions/runs/{run_id}/deployment_protection_rule` and accepted. */
export interface FakeDeploymentReview {
  runId: number;
  environment_name: string;
  state: 'approved' | 'rejected';
  comment: string | undefined;
}

interface Failure {
  method: string;
  path: RegExp;
  status: number;
  times: number;
  /** Do the work, then answer with the failure. */
  afterApplying: boolean;
  /**
   * How the client learns of the failure: an `answer` with `status` (default), the connection
   * `drop`ped without an answer, or no answer ever (`hang`, until the client gives up or the fake stops).
   */
  outcome: 'answer' | 'drop' | 'hang';
}

interface RepoState {
  fullName: string;
  defaultBranch: string;
  branches: Map<string, string>;
  issues: FakeIssue[];
  comments: Map<number, FakeComment[]>;
  events: Map<number, FakeIssueEvent[]>;
  checkRuns: FakeCheckRun[];
  pulls: Map<number, FakePullRequest>;
  reviews: Map<number, FakeReview[]>;
  runs: FakeWorkflowRun[];
  deployments: FakeDeployment[];
  /** Environment (lowercase) → ids of the apps whose custom protection rules are enabled on it. */
  protectionApps: Map<string, number[]>;
  deploymentReviews: FakeDeploymentReview[];
  /** login (lowercase) → collaborator permission answer */
  collaborators: Map<
    string,
    { role_name: string; permission: string; permissions?: Record<string, boolean> }
  >;
}

/** The app's id and its bot's login, as `GET /app` answers (comments the app writes carry the login). */
export const FAKE_APP_ID = 1;
export const FAKE_BOT_LOGIN = 'agentgate[bot]';

const LEGACY: Record<string, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
};

/**
 * The GitHub App's OAuth client as the fake knows it ("Sign in with GitHub" in the web console):
 * `/login/oauth/authorize` signs in whoever `signInAs` named, `/login/oauth/access_token` exchanges
 * the code once, and `GET /api/v3/user` answers for the user token.
 */
export const FAKE_OAUTH_CLIENT = { clientId: 'Iv1.fakeclient', clientSecret: 'fake-client-secret' };

/** A call to the fake, with the status it was answered. */
export interface FakeCall {
  method: string;
  path: string;
  status: number;
}

/** Calls as GitHub's rate limit sees them: a 304 is free, anything else is spent. */
export interface CallCount {
  /** Answered with data (2xx): spent against the rate limit. */
  counted: number;
  /** Answered 304 to a conditional request: not counted by GitHub. */
  notModified: number;
  /** Answered 4xx/5xx (also spent on GitHub, but a sign of a fault, so kept apart). */
  errors: number;
}

export class FakeGitHub {
  readonly calls: FakeCall[] = [];
  readonly #repos = new Map<string, RepoState>();
  readonly #installations = new Map<string, number>();
  readonly #commits = new Map<string, Map<string, string>>();
  readonly #teams = new Map<string, Map<string, 'active' | 'pending'>>();
  /** Installation token → installation id. */
  readonly #tokens = new Map<string, number>();
  /** OAuth: who the next authorization signs in, codes not yet exchanged, user tokens. */
  #oauthUser: { login: string; type: string } | null = null;
  readonly #oauthCodes = new Map<string, { login: string; type: string; redirectUri: string }>();
  readonly #userTokens = new Map<string, { login: string; type: string }>();
  #failures: Failure[] = [];
  #nextCommentId = 1000;
  #nextCheckRunId = 5000;
  #nextReviewId = 80_000;
  #nextEventId = 90_000;
  #nextRunId = 7_000_000;
  #nextDeploymentId = 300_000;
  #server: Server | undefined;
  url = '';

  /** `GHE_HOST` value for this fake. */
  get host(): string {
    return this.url.replace(/^http:\/\//, '');
  }

  get baseUrl(): string {
    return `${this.url}/api/v3`;
  }

  async start(): Promise<this> {
    const app = express();
    app.use(express.json());
    app.use((req, res, next) => {
      const call: FakeCall = { method: req.method, path: req.path, status: 0 };
      this.calls.push(call);
      res.on('finish', () => {
        call.status = res.statusCode;
      });
      next();
    });
    // Conditional GETs, as GitHub answers them: an ETag on every answer, 304 when it still matches.
    app.use((req, res, next) => {
      if (req.method !== 'GET') return next();
      const json = res.json.bind(res);
      res.json = (body: unknown) => {
        if (res.statusCode !== 200) return json(body);
        const etag = `W/"${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 32)}"`;
        res.setHeader('ETag', etag);
        if (req.get('if-none-match') === etag) return res.status(304).end();
        return json(body);
      };
      next();
    });
    app.use((req, res, next) => {
      const failure = this.#failures.find((f) => f.method === req.method && f.path.test(req.path));
      if (!failure) return next();
      failure.times -= 1;
      if (failure.times <= 0) this.#failures = this.#failures.filter((f) => f !== failure);
      const json = res.json.bind(res);
      const fail = () => {
        if (failure.outcome === 'drop') return void req.socket.destroy();
        if (failure.outcome === 'hang') return; // stop() closes the connection
        json.call(res.status(failure.status), { message: 'Server Error' });
      };
      if (!failure.afterApplying) return fail();
      // Let the route do its work, then replace its answer.
      res.json = () => {
        fail();
        return res;
      };
      next();
    });
    this.#routes(app);
    this.#server = await new Promise<Server>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => resolve(server));
    });
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  /**
   * Calls since `from` (an index into `calls`, e.g. `calls.length` taken before), as GitHub's rate
   * limit counts them. Creating installation tokens is left out: Probot caches a token for about
   * an hour, so how often one is made depends on the wall clock, not on what the app does.
   */
  apiCalls(from = 0): CallCount {
    const count: CallCount = { counted: 0, notModified: 0, errors: 0 };
    for (const call of this.calls.slice(from)) {
      if (/\/access_tokens$/.test(call.path)) continue;
      if (call.status === 304) count.notModified += 1;
      else if (call.status >= 400 || call.status === 0) count.errors += 1;
      else count.counted += 1;
    }
    return count;
  }

  /** `METHOD path` of the counted calls since `from` (what a budget test prints when it fails). */
  countedCalls(from = 0): string[] {
    return this.calls
      .slice(from)
      .filter((c) => c.status !== 304 && c.status < 400 && !/\/access_tokens$/.test(c.path))
      .map((c) => `${c.method} ${c.path.replace(/^\/api\/v3/, '')}`);
  }

  // --- Setup ------------------------------------------------------------------------------------

  /** A repository, optionally with the app installed and `policies/` files on its default branch. */
  addRepo(
    fullName: string,
    options: {
      installationId?: number | null;
      defaultBranch?: string;
      policies?: Record<string, string>;
    } = {},
  ): void {
    const state: RepoState = {
      fullName,
      defaultBranch: options.defaultBranch ?? 'main',
      branches: new Map(),
      issues: [],
      comments: new Map(),
      events: new Map(),
      checkRuns: [],
      pulls: new Map(),
      reviews: new Map(),
      collaborators: new Map(),
      runs: [],
      deployments: [],
      protectionApps: new Map(),
      deploymentReviews: [],
    };
    this.#repos.set(fullName.toLowerCase(), state);
    if (options.installationId !== null)
      this.#installations.set(fullName.toLowerCase(), options.installationId ?? 1);
    this.commit(fullName, state.defaultBranch, options.policies ? prefix(options.policies) : {});
  }

  /** A new commit on `branch` with exactly these files (`path → text`); returns its SHA. */
  commit(fullName: string, branch: string, files: Record<string, string>): string {
    const sha = randomBytes(20).toString('hex');
    this.#commits.set(sha, new Map(Object.entries(files)));
    this.#repo(fullName).branches.set(branch, sha);
    return sha;
  }

  /** The files (`path → text`) of commit `sha`. */
  filesAt(sha: string): Record<string, string> {
    const files = this.#commits.get(sha);
    if (!files) throw new Error(`no commit ${sha}`);
    return Object.fromEntries(files);
  }

  headOf(fullName: string, branch?: string): string {
    const repo = this.#repo(fullName);
    return repo.branches.get(branch ?? repo.defaultBranch) as string;
  }

  setPermission(fullName: string, login: string, role: string, base?: string): void {
    const legacy = LEGACY[base ?? role] ?? 'read';
    const b = base ?? role;
    this.#repo(fullName).collaborators.set(login.toLowerCase(), {
      role_name: role,
      permission: legacy,
      permissions: {
        admin: b === 'admin',
        maintain: ['admin', 'maintain'].includes(b),
        push: ['admin', 'maintain', 'write'].includes(b),
        triage: ['admin', 'maintain', 'write', 'triage'].includes(b),
        pull: true,
      },
    });
  }

  setTeamMember(team: string, login: string, state: 'active' | 'pending' = 'active'): void {
    const members = this.#teams.get(team.toLowerCase()) ?? new Map();
    members.set(login.toLowerCase(), state);
    this.#teams.set(team.toLowerCase(), members);
  }

  /**
   * The next `times` calls of `method` on a path matching `path` fail with `status`; with
   * `afterApplying`, the call still does its work first. `outcome: 'drop'` closes the connection
   * instead of answering, `'hang'` never answers (what a client sees as a timeout).
   */
  failNext(
    method: string,
    path: RegExp,
    options: {
      status?: number;
      times?: number;
      afterApplying?: boolean;
      outcome?: 'answer' | 'drop' | 'hang';
    } = {},
  ): void {
    this.#failures.push({
      method,
      path,
      status: options.status ?? 502,
      times: options.times ?? 1,
      afterApplying: options.afterApplying ?? false,
      outcome: options.outcome ?? 'answer',
    });
  }

  /** Calls made so far of `method` on paths matching `path`. */
  callsTo(method: string, path: RegExp): number {
    return this.calls.filter((c) => c.method === method && path.test(c.path)).length;
  }

  // --- What tests look at and do ----------------------------------------------------------------

  /** The person who signs in at the next `/login/oauth/authorize` (as if they clicked "Authorize"). */
  signInAs(login: string, type = 'User'): void {
    this.#oauthUser = { login, type };
  }

  issues(fullName: string): FakeIssue[] {
    return this.#repo(fullName).issues;
  }

  comments(fullName: string, number: number): FakeComment[] {
    return this.#repo(fullName).comments.get(number) ?? [];
  }

  /** A person writes a comment on GitHub (the webhook is the test's to send, or not). */
  addComment(fullName: string, number: number, login: string, body: string, type = 'User'): FakeComment {
    const now = new Date().toISOString();
    const repo = this.#repo(fullName);
    const id = this.#nextCommentId++;
    const comment: FakeComment = {
      id,
      body,
      user: { login, type },
      created_at: now,
      updated_at: now,
      reactions: [],
      html_url: `https://github.test/${fullName}/${repo.pulls.has(number) ? 'pull' : 'issues'}/${number}#issuecomment-${id}`,
    };
    repo.comments.set(number, [...(repo.comments.get(number) ?? []), comment]);
    // GitHub moves an issue's (or pull request's) `updated_at` with each new comment.
    const issue = repo.issues.find((i) => i.number === number);
    if (issue) issue.updated_at = now;
    return comment;
  }

  editComment(fullName: string, number: number, id: number, body: string): void {
    const comment = this.comments(fullName, number).find((c) => c.id === id);
    if (!comment) throw new Error(`no comment ${id}`);
    comment.body = body;
    comment.updated_at = new Date(Date.parse(comment.created_at) + 60_000).toISOString();
  }

  /**
   * Someone closes an issue on GitHub (the webhook is the test's to send): a person or app
   * (`type`), or a commit `closes #N` pushed or merged by `login` (`commitId`).
   */
  closeIssue(
    fullName: string,
    number: number,
    login: string,
    options: { type?: string; commitId?: string } = {},
  ): FakeIssueEvent {
    const issue = this.#issue(fullName, number);
    issue.state = 'closed';
    issue.closed_by = login;
    issue.updated_at = new Date().toISOString();
    return this.#recordEvent(
      fullName,
      number,
      'closed',
      { login, type: options.type ?? 'User' },
      options.commitId,
    );
  }

  /** The `closed` and `reopened` events of an issue, oldest first. */
  issueEvents(fullName: string, number: number): FakeIssueEvent[] {
    return this.#repo(fullName).events.get(number) ?? [];
  }

  #recordEvent(
    fullName: string,
    number: number,
    event: FakeIssueEvent['event'],
    actor: FakeIssueEvent['actor'],
    commitId?: string,
  ): FakeIssueEvent {
    const record: FakeIssueEvent = {
      id: this.#nextEventId++,
      event,
      actor,
      commit_id: commitId ?? null,
      created_at: new Date().toISOString(),
    };
    const repo = this.#repo(fullName);
    repo.events.set(number, [...(repo.events.get(number) ?? []), record]);
    return record;
  }

  /**
   * Opens pull request `number` from `head` into `base` (branches of `fullName`). Its head follows
   * the `head` branch (commit to it to push); its files are those that differ from the base
   * branch's head at opening.
   */
  openPullRequest(
    fullName: string,
    options: { number: number; head: string; base?: string; author?: string; headRepository?: string },
  ): FakePullRequest {
    const repo = this.#repo(fullName);
    const baseRef = options.base ?? repo.defaultBranch;
    const pull: FakePullRequest = {
      number: options.number,
      baseRef,
      baseSha: this.headOf(fullName, baseRef),
      headRef: options.head,
      author: options.author ?? 'octocat',
      state: 'open',
      headRepository: options.headRepository ?? repo.fullName,
    };
    if (!repo.branches.has(options.head)) throw new Error(`no branch ${options.head}`);
    repo.pulls.set(options.number, pull);
    return pull;
  }

  /** Merges a pull request: the base branch gets a new commit with the head's files; returns its SHA. */
  mergePullRequest(fullName: string, number: number): string {
    const pull = this.#pull(fullName, number);
    pull.state = 'closed';
    const files = this.#commits.get(this.headOf(fullName, pull.headRef)) ?? new Map();
    return this.commit(fullName, pull.baseRef, Object.fromEntries(files));
  }

  /** Paths that differ between two commits, with GitHub's statuses. */
  changedFiles(baseSha: string, headSha: string): Array<{ filename: string; status: string }> {
    const base = this.#commits.get(baseSha) ?? new Map<string, string>();
    const head = this.#commits.get(headSha) ?? new Map<string, string>();
    const paths = [...new Set([...base.keys(), ...head.keys()])].sort();
    return paths.flatMap((filename) => {
      if (!base.has(filename)) return [{ filename, status: 'added' }];
      if (!head.has(filename)) return [{ filename, status: 'removed' }];
      return base.get(filename) === head.get(filename) ? [] : [{ filename, status: 'modified' }];
    });
  }

  /** A person submits a review of pull request `number` on its current head (the webhook is the test's to send). */
  addReview(
    fullName: string,
    number: number,
    login: string,
    state: FakeReview['state'],
    body = '',
    type = 'User',
  ): FakeReview {
    const pull = this.#pull(fullName, number);
    const id = this.#nextReviewId++;
    const review: FakeReview = {
      id,
      user: { login, type },
      body,
      state,
      commit_id: this.headOf(fullName, pull.headRef),
      submitted_at: new Date().toISOString(),
      html_url: `https://github.test/${fullName}/pull/${number}#pullrequestreview-${id}`,
    };
    const repo = this.#repo(fullName);
    repo.reviews.set(number, [...(repo.reviews.get(number) ?? []), review]);
    return review;
  }

  /** Someone with write access dismisses review `id` (the webhook is the test's to send). */
  dismissReview(fullName: string, number: number, id: number): FakeReview {
    const review = this.#repo(fullName)
      .reviews.get(number)
      ?.find((r) => r.id === id);
    if (!review) throw new Error(`no review ${id} on ${fullName}#${number}`);
    review.state = 'DISMISSED';
    return review;
  }

  /** The head commit of pull request `number` now. */
  pullHeadOf(fullName: string, number: number): string {
    return this.headOf(fullName, this.#pull(fullName, number).headRef);
  }

  /** Check runs created in `fullName`, oldest first. */
  checkRuns(fullName: string): FakeCheckRun[] {
    return this.#repo(fullName).checkRuns;
  }

  /** The app is removed from a repository (GitHub then sends an `installation_repositories` webhook). */
  uninstall(fullName: string): void {
    this.#installations.delete(fullName.toLowerCase());
  }

  installationIdOf(fullName: string): number | undefined {
    return this.#installations.get(fullName.toLowerCase());
  }

  /** Enables a custom deployment protection rule of app `appId` (default: this app) on `environment`. */
  protectEnvironment(fullName: string, environment: string, appId = FAKE_APP_ID): void {
    const apps = this.#repo(fullName).protectionApps;
    apps.set(environment.toLowerCase(), [...(apps.get(environment.toLowerCase()) ?? []), appId]);
  }

  /**
   * A workflow run whose job deploys to `environment`: the run waits (its pending deployment) and a
   * deployment exists, as GitHub has them when it sends `deployment_protection_rule`.
   */
  startDeployment(
    fullName: string,
    options: {
      environment: string;
      sha?: string;
      ref?: string;
      event?: string;
      actor?: string;
      pullRequests?: number[];
    },
  ): { run: FakeWorkflowRun; deployment: FakeDeployment } {
    const repo = this.#repo(fullName);
    const ref = options.ref ?? repo.defaultBranch;
    const sha = options.sha ?? repo.branches.get(ref) ?? this.headOf(fullName);
    const run: FakeWorkflowRun = {
      id: this.#nextRunId++,
      head_sha: sha,
      head_branch: ref,
      event: options.event ?? 'push',
      status: 'waiting',
      conclusion: null,
      actor: options.actor ?? 'octocat',
      pull_requests: options.pullRequests ?? [],
      created_at: new Date().toISOString(),
      pending: [options.environment],
    };
    const deployment: FakeDeployment = {
      id: this.#nextDeploymentId++,
      sha,
      ref,
      environment: options.environment,
      creator: run.actor,
      runId: run.id,
    };
    repo.runs.push(run);
    repo.deployments.push(deployment);
    return { run, deployment };
  }

  /** The run is cancelled (or fails): it ends, and nothing waits any more. */
  endRun(fullName: string, runId: number, conclusion = 'cancelled'): void {
    const run = this.#run(fullName, runId);
    run.status = 'completed';
    run.conclusion = conclusion;
    run.pending = [];
  }

  /** The answers GitHub accepted for `fullName`'s runs, oldest first. */
  deploymentReviews(fullName: string): FakeDeploymentReview[] {
    return this.#repo(fullName).deploymentReviews;
  }

  run(fullName: string, runId: number): FakeWorkflowRun {
    return this.#run(fullName, runId);
  }

  #run(fullName: string, runId: number): FakeWorkflowRun {
    const run = this.#repo(fullName).runs.find((r) => r.id === runId);
    if (!run) throw new Error(`fake GitHub has no run ${runId} in ${fullName}`);
    return run;
  }

  // --- The API ----------------------------------------------------------------------------------

  #repo(fullName: string): RepoState {
    const repo = this.#repos.get(fullName.toLowerCase());
    if (!repo) throw new Error(`fake GitHub has no repository ${fullName}`);
    return repo;
  }

  #issue(fullName: string, number: number): FakeIssue {
    const issue = this.#repo(fullName).issues.find((i) => i.number === number);
    if (!issue) throw new Error(`no issue ${fullName}#${number}`);
    return issue;
  }

  #pull(fullName: string, number: number): FakePullRequest {
    const pull = this.#repo(fullName).pulls.get(number);
    if (!pull) throw new Error(`no pull request ${fullName}#${number}`);
    return pull;
  }

  #issueJson(repo: RepoState, issue: FakeIssue) {
    return {
      ...issue,
      html_url: `https://github.test/${repo.fullName}/issues/${issue.number}`,
      comments: repo.comments.get(issue.number)?.length ?? 0,
      labels: issue.labels.map((name) => ({ name })),
      assignees: issue.assignees.map((login) => ({ login })),
      closed_by: issue.closed_by ? { login: issue.closed_by, type: 'User' } : null,
    };
  }

  #pullJson(repo: RepoState, pull: FakePullRequest) {
    return {
      number: pull.number,
      html_url: `https://github.test/${repo.fullName}/pull/${pull.number}`,
      state: pull.state,
      user: { login: pull.author, type: 'User' },
      head: {
        ref: pull.headRef,
        sha: this.headOf(repo.fullName, pull.headRef),
        repo: { full_name: pull.headRepository },
      },
      base: { ref: pull.baseRef, sha: pull.baseSha },
    };
  }

  #routes(app: express.Express): void {
    const api = express.Router();
    const appAuth = (req: Request, res: Response): boolean => {
      if (!/^bearer [\w-]+\.[\w-]+\.[\w-]+$/i.test(req.get('authorization') ?? '')) {
        res.status(401).json({ message: 'A JSON web token could not be decoded' });
        return false;
      }
      return true;
    };
    // Installation-token auth, and the repository (404 like GitHub when unknown or not installed).
    const repoOf = (req: Request, res: Response): RepoState | null => {
      const token = /^token (.+)$/i.exec(req.get('authorization') ?? '')?.[1];
      if (!token || !this.#tokens.has(token)) {
        res.status(401).json({ message: 'Bad credentials' });
        return null;
      }
      const name = `${req.params.owner}/${req.params.repo}`;
      const repo = this.#repos.get(name.toLowerCase());
      if (!repo || !this.#installations.has(name.toLowerCase())) {
        res.status(404).json({ message: 'Not Found' });
        return null;
      }
      return repo;
    };
    const paginate = <T>(req: Request, res: Response, items: T[]) => {
      const perPage = Math.min(100, Number(req.query.per_page ?? 30));
      const page = Number(req.query.page ?? 1);
      const last = Math.max(1, Math.ceil(items.length / perPage));
      if (page < last) {
        const url = new URL(`${this.url}${req.originalUrl}`);
        url.searchParams.set('page', String(page + 1));
        const lastUrl = new URL(url);
        lastUrl.searchParams.set('page', String(last));
        res.setHeader('Link', `<${url}>; rel="next", <${lastUrl}>; rel="last"`);
      }
      res.json(items.slice((page - 1) * perPage, page * perPage));
    };

    api.post('/app/installations/:id/access_tokens', (req, res) => {
      if (!appAuth(req, res)) return;
      const token = `ghs_${randomBytes(16).toString('hex')}`;
      this.#tokens.set(token, Number(req.params.id));
      res
        .status(201)
        .json({ token, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: {} });
    });
    // The app itself: its comments are written by `<slug>[bot]`.
    api.get('/app', (req, res) => {
      if (!appAuth(req, res)) return;
      res.json({ id: FAKE_APP_ID, slug: 'agentgate', name: 'AgentGate' });
    });
    api.get('/repos/:owner/:repo/installation', (req, res) => {
      if (!appAuth(req, res)) return;
      const id = this.#installations.get(`${req.params.owner}/${req.params.repo}`.toLowerCase());
      if (id === undefined) return void res.status(404).json({ message: 'Not Found' });
      res.json({ id, account: { login: req.params.owner } });
    });
    api.get('/orgs/:org/installation', (req, res) => {
      if (!appAuth(req, res)) return;
      const prefix = `${String(req.params.org).toLowerCase()}/`;
      const id = [...this.#installations.entries()].find(([name]) => name.startsWith(prefix))?.[1];
      if (id === undefined) return void res.status(404).json({ message: 'Not Found' });
      res.json({ id });
    });
    api.get('/repos/:owner/:repo', (req, res) => {
      const repo = repoOf(req, res);
      if (repo) res.json({ full_name: repo.fullName, default_branch: repo.defaultBranch });
    });
    api.get('/repos/:owner/:repo/branches/:branch', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const sha = repo.branches.get(String(req.params.branch));
      if (!sha) return void res.status(404).json({ message: 'Branch not found' });
      res.json({ name: req.params.branch, commit: { sha } });
    });
    api.get('/repos/:owner/:repo/contents/*path', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const path = ([] as string[]).concat(req.params.path as unknown as string[]).join('/');
      const ref = String(req.query.ref ?? repo.branches.get(repo.defaultBranch));
      const files = this.#commits.get(ref) ?? this.#commits.get(repo.branches.get(ref) ?? '');
      if (!files) return void res.status(404).json({ message: 'No commit found for the ref' });
      const text = files.get(path);
      if (text !== undefined) {
        return void res.json({
          type: 'file',
          name: path.split('/').pop(),
          path,
          encoding: 'base64',
          content: Buffer.from(text).toString('base64'),
        });
      }
      const entries = [...files.keys()]
        .filter((p) => p.startsWith(`${path}/`) && !p.slice(path.length + 1).includes('/'))
        .map((p) => ({ type: 'file', name: p.split('/').pop(), path: p }));
      if (entries.length === 0) return void res.status(404).json({ message: 'Not Found' });
      res.json(entries);
    });
    api.post('/repos/:owner/:repo/issues', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const now = new Date().toISOString();
      const assignees = (req.body.assignees ?? []) as string[];
      if (assignees.some((a) => !repo.collaborators.has(a.toLowerCase()))) {
        return void res.status(422).json({ message: 'Validation Failed', errors: [{ field: 'assignees' }] });
      }
      const issue: FakeIssue = {
        number: repo.issues.length + 1,
        title: req.body.title,
        body: req.body.body ?? '',
        labels: req.body.labels ?? [],
        assignees,
        state: 'open',
        state_reason: null,
        closed_by: null,
        created_at: now,
        updated_at: now,
      };
      repo.issues.push(issue);
      res.status(201).json(this.#issueJson(repo, issue));
    });
    api.get('/repos/:owner/:repo/issues', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const labels = String(req.query.labels ?? '')
        .split(',')
        .filter(Boolean);
      const since = String(req.query.since ?? '');
      const state = String(req.query.state ?? 'open');
      const found = repo.issues.filter(
        (i) =>
          labels.every((l) => i.labels.includes(l)) &&
          (since === '' || i.updated_at >= since) &&
          (state === 'all' || i.state === state),
      );
      paginate(
        req,
        res,
        found.map((i) => this.#issueJson(repo, i)),
      );
    });
    api.get('/repos/:owner/:repo/issues/:number', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const issue = repo.issues.find((i) => i.number === Number(req.params.number));
      if (!issue) return void res.status(404).json({ message: 'Not Found' });
      res.json(this.#issueJson(repo, issue));
    });
    api.patch('/repos/:owner/:repo/issues/:number', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const issue = repo.issues.find((i) => i.number === Number(req.params.number));
      if (!issue) return void res.status(404).json({ message: 'Not Found' });
      if (typeof req.body.body === 'string') issue.body = req.body.body;
      if (Array.isArray(req.body.labels)) issue.labels = [...new Set(req.body.labels as string[])];
      if (req.body.state === 'closed' && issue.state !== 'closed') {
        issue.state = 'closed';
        issue.closed_by = 'agentgate[bot]';
        this.#recordEvent(repo.fullName, issue.number, 'closed', { login: 'agentgate[bot]', type: 'Bot' });
      }
      if (req.body.state === 'open' && issue.state !== 'open') {
        issue.state = 'open';
        issue.closed_by = null;
        issue.state_reason = 'reopened';
        this.#recordEvent(repo.fullName, issue.number, 'reopened', { login: 'agentgate[bot]', type: 'Bot' });
      }
      if (req.body.state_reason) issue.state_reason = req.body.state_reason;
      issue.updated_at = new Date().toISOString();
      res.json(this.#issueJson(repo, issue));
    });
    api.post('/repos/:owner/:repo/issues/:number/labels', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const issue = repo.issues.find((i) => i.number === Number(req.params.number));
      if (!issue) return void res.status(404).json({ message: 'Not Found' });
      for (const label of req.body.labels as string[])
        if (!issue.labels.includes(label)) issue.labels.push(label);
      res.json(issue.labels.map((name) => ({ name })));
    });
    api.delete('/repos/:owner/:repo/issues/:number/labels/:name', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const issue = repo.issues.find((i) => i.number === Number(req.params.number));
      if (!issue?.labels.includes(String(req.params.name)))
        return void res.status(404).json({ message: 'Label does not exist' });
      issue.labels = issue.labels.filter((l) => l !== req.params.name);
      res.json(issue.labels.map((name) => ({ name })));
    });
    api.get('/repos/:owner/:repo/assignees/:login', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      res.status(repo.collaborators.has(String(req.params.login).toLowerCase()) ? 204 : 404).end();
    });
    api.get('/repos/:owner/:repo/issues/:number/events', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const number = Number(req.params.number);
      if (!repo.issues.some((i) => i.number === number))
        return void res.status(404).json({ message: 'Not Found' });
      paginate(req, res, repo.events.get(number) ?? []);
    });
    api.post('/repos/:owner/:repo/issues/:number/comments', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const comment = this.addComment(
        repo.fullName,
        Number(req.params.number),
        FAKE_BOT_LOGIN,
        req.body.body,
        'Bot',
      );
      res.status(201).json(comment);
    });
    api.get('/repos/:owner/:repo/issues/:number/comments', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      paginate(req, res, repo.comments.get(Number(req.params.number)) ?? []);
    });
    api.post('/repos/:owner/:repo/issues/comments/:id/reactions', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const comment = [...repo.comments.values()].flat().find((c) => c.id === Number(req.params.id));
      if (!comment) return void res.status(404).json({ message: 'Not Found' });
      comment.reactions.push(req.body.content);
      res.status(201).json({ id: comment.reactions.length, content: req.body.content });
    });
    api.get('/repos/:owner/:repo/collaborators/:login/permission', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const login = String(req.params.login);
      const found = repo.collaborators.get(login.toLowerCase());
      // GitHub answers a non-collaborator of a public repository with read.
      res.json({
        permission: found?.permission ?? 'read',
        role_name: found?.role_name ?? 'read',
        user: { login, permissions: found?.permissions ?? { pull: true } },
      });
    });
    // 204 for a collaborator (here: anyone given a role with setPermission), 404 for anyone else.
    api.get('/repos/:owner/:repo/collaborators/:login', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      res.status(repo.collaborators.has(String(req.params.login).toLowerCase()) ? 204 : 404).end();
    });
    api.get('/orgs/:org/teams/:slug/memberships/:login', (req, res) => {
      if (!/^token /i.test(req.get('authorization') ?? ''))
        return void res.status(401).json({ message: 'Bad credentials' });
      const state = this.#teams
        .get(`${req.params.org}/${req.params.slug}`.toLowerCase())
        ?.get(String(req.params.login).toLowerCase());
      if (!state) return void res.status(404).json({ message: 'Not Found' });
      res.json({ state, role: 'member' });
    });
    api.patch('/repos/:owner/:repo/issues/comments/:id', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const comment = [...repo.comments.values()].flat().find((c) => c.id === Number(req.params.id));
      if (!comment) return void res.status(404).json({ message: 'Not Found' });
      if (typeof req.body.body !== 'string')
        return void res.status(422).json({ message: 'body is required' });
      comment.body = req.body.body;
      comment.updated_at = new Date().toISOString();
      res.json(comment);
    });
    api.get('/repos/:owner/:repo/pulls/:number', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const pull = repo.pulls.get(Number(req.params.number));
      if (!pull) return void res.status(404).json({ message: 'Not Found' });
      res.json(this.#pullJson(repo, pull));
    });
    // GitHub lists the pull requests that contain the commit; here, those whose head it is now.
    api.get('/repos/:owner/:repo/commits/:sha/pulls', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const sha = String(req.params.sha);
      if (!this.#commits.has(sha))
        return void res.status(422).json({ message: `No commit found for SHA: ${sha}` });
      const pulls = [...repo.pulls.values()].filter((p) => this.headOf(repo.fullName, p.headRef) === sha);
      paginate(
        req,
        res,
        pulls.map((p) => this.#pullJson(repo, p)),
      );
    });
    api.get('/repos/:owner/:repo/pulls/:number/reviews', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      if (!repo.pulls.has(Number(req.params.number)))
        return void res.status(404).json({ message: 'Not Found' });
      paginate(req, res, repo.reviews.get(Number(req.params.number)) ?? []);
    });
    api.get('/repos/:owner/:repo/pulls/:number/files', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const pull = repo.pulls.get(Number(req.params.number));
      if (!pull) return void res.status(404).json({ message: 'Not Found' });
      paginate(req, res, this.changedFiles(pull.baseSha, this.headOf(repo.fullName, pull.headRef)));
    });
    api.post('/repos/:owner/:repo/check-runs', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const { name, head_sha: headSha } = req.body;
      if (typeof name !== 'string' || typeof headSha !== 'string' || !this.#commits.has(headSha)) {
        return void res.status(422).json({ message: 'Validation Failed: name and an existing head_sha' });
      }
      const now = new Date().toISOString();
      const run: FakeCheckRun = {
        id: this.#nextCheckRunId++,
        name,
        head_sha: headSha,
        status: 'queued',
        conclusion: null,
        external_id: null,
        details_url: null,
        actions: [],
        output: { title: null, summary: null, text: null, annotations: [] },
        html_url: '',
        started_at: now,
        completed_at: null,
      };
      run.html_url = `https://github.test/${repo.fullName}/runs/${run.id}`;
      const problem = applyCheckRunWrite(run, req.body);
      if (problem) return void res.status(422).json({ message: `Validation Failed: ${problem}` });
      repo.checkRuns.push(run);
      res.status(201).json(run);
    });
    api.patch('/repos/:owner/:repo/check-runs/:id', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const run = repo.checkRuns.find((r) => r.id === Number(req.params.id));
      if (!run) return void res.status(404).json({ message: 'Not Found' });
      const copy = structuredClone(run);
      const problem = applyCheckRunWrite(copy, req.body);
      if (problem) return void res.status(422).json({ message: `Validation Failed: ${problem}` });
      Object.assign(run, copy);
      res.json(run);
    });
    api.get('/repos/:owner/:repo/check-runs/:id', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const run = repo.checkRuns.find((r) => r.id === Number(req.params.id));
      if (!run) return void res.status(404).json({ message: 'Not Found' });
      res.json(run);
    });
    api.get('/repos/:owner/:repo/commits/:ref/check-runs', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const ref = String(req.params.ref);
      const sha = repo.branches.get(ref) ?? ref;
      const name = req.query.check_name === undefined ? undefined : String(req.query.check_name);
      const runs = repo.checkRuns.filter(
        (r) => r.head_sha === sha && (name === undefined || r.name === name),
      );
      const perPage = Math.min(100, Number(req.query.per_page ?? 30));
      const page = Number(req.query.page ?? 1);
      res.json({ total_count: runs.length, check_runs: runs.slice((page - 1) * perPage, page * perPage) });
    });
    this.#deploymentRoutes(api, appAuth, repoOf);
    // OAuth web flow (web host, not /api/v3), as GitHub answers it.
    app.get('/login/oauth/authorize', (req, res) => {
      const redirectUri = String(req.query.redirect_uri ?? '');
      if (req.query.client_id !== FAKE_OAUTH_CLIENT.clientId || !/^https?:\/\//.test(redirectUri)) {
        return void res.status(404).send('Not Found');
      }
      if (!this.#oauthUser) return void res.status(403).send('nobody is signing in (call signInAs first)');
      const code = randomBytes(10).toString('hex');
      this.#oauthCodes.set(code, { ...this.#oauthUser, redirectUri });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', String(req.query.state ?? ''));
      res.redirect(302, back.href);
    });
    app.post('/login/oauth/access_token', (req, res) => {
      const { client_id, client_secret, code, redirect_uri } = req.body ?? {};
      if (client_id !== FAKE_OAUTH_CLIENT.clientId || client_secret !== FAKE_OAUTH_CLIENT.clientSecret) {
        return void res.json({ error: 'incorrect_client_credentials' });
      }
      const granted = this.#oauthCodes.get(String(code));
      this.#oauthCodes.delete(String(code)); // a code is used once
      if (!granted || granted.redirectUri !== redirect_uri)
        return void res.json({ error: 'bad_verification_code' });
      const token = `gho_${randomBytes(16).toString('hex')}`;
      this.#userTokens.set(token, { login: granted.login, type: granted.type });
      res.json({ access_token: token, token_type: 'bearer', scope: '' });
    });
    api.get('/user', (req, res) => {
      const token = /^(?:bearer|token) (.+)$/i.exec(req.get('authorization') ?? '')?.[1];
      const user = token ? this.#userTokens.get(token) : undefined;
      if (!user) return void res.status(401).json({ message: 'Requires authentication' });
      res.json({ login: user.login, id: 1, type: user.type });
    });
    app.use('/api/v3', api);
    app.use((req, res) => {
      res.status(404).json({ message: `fake GitHub does not implement ${req.method} ${req.path}` });
    });
  }

  /** Deployment protection rules: installations, workflow runs, pending deployments, the callback. */
  #deploymentRoutes(
    api: express.Router,
    appAuth: (req: Request, res: Response) => boolean,
    repoOf: (req: Request, res: Response) => RepoState | null,
  ): void {
    const runJson = (run: FakeWorkflowRun) => ({
      id: run.id,
      head_sha: run.head_sha,
      head_branch: run.head_branch,
      event: run.event,
      status: run.status,
      conclusion: run.conclusion,
      actor: { login: run.actor },
      triggering_actor: { login: run.actor },
      pull_requests: run.pull_requests.map((number) => ({ number })),
      created_at: run.created_at,
    });
    const runOf = (repo: RepoState, req: Request, res: Response): FakeWorkflowRun | null => {
      const run = repo.runs.find((r) => r.id === Number(req.params.run_id));
      if (!run) res.status(404).json({ message: 'Not Found' });
      return run ?? null;
    };
    api.get('/app/installations', (req, res) => {
      if (!appAuth(req, res)) return;
      const ids = [...new Set(this.#installations.values())].sort((a, b) => a - b);
      res.json(ids.map((id) => ({ id, account: { login: 'owner' } })));
    });
    api.get('/installation/repositories', (req, res) => {
      const token = /^token (.+)$/i.exec(req.get('authorization') ?? '')?.[1];
      const installation = token === undefined ? undefined : this.#tokens.get(token);
      if (installation === undefined) return void res.status(401).json({ message: 'Bad credentials' });
      const repositories = [...this.#installations.entries()]
        .filter(([, id]) => id === installation)
        .map(([name]) => ({ full_name: this.#repo(name).fullName }));
      res.json({ total_count: repositories.length, repositories });
    });
    api.get('/repos/:owner/:repo/actions/runs', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const status = req.query.status === undefined ? undefined : String(req.query.status);
      const runs = repo.runs
        .filter((r) => status === undefined || r.status === status)
        .sort((a, b) => b.id - a.id)
        .slice(0, Math.min(100, Number(req.query.per_page ?? 30)));
      res.json({ total_count: runs.length, workflow_runs: runs.map(runJson) });
    });
    api.get('/repos/:owner/:repo/actions/runs/:run_id', (req, res) => {
      const repo = repoOf(req, res);
      const run = repo && runOf(repo, req, res);
      if (run) res.json(runJson(run));
    });
    api.get('/repos/:owner/:repo/actions/runs/:run_id/pending_deployments', (req, res) => {
      const repo = repoOf(req, res);
      const run = repo && runOf(repo, req, res);
      if (!run) return;
      res.json(
        run.pending.map((name, i) => ({
          environment: { id: i + 1, name },
          wait_timer: 0,
          wait_timer_started_at: null,
          current_user_can_approve: false,
          reviewers: [],
        })),
      );
    });
    api.get('/repos/:owner/:repo/environments/:environment/deployment_protection_rules', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const apps = repo.protectionApps.get(String(req.params.environment).toLowerCase()) ?? [];
      res.json({
        total_count: apps.length,
        custom_deployment_protection_rules: apps.map((id, i) => ({
          id: i + 1,
          enabled: true,
          app: { id, slug: id === FAKE_APP_ID ? 'agentgate' : `app-${id}` },
        })),
      });
    });
    api.get('/repos/:owner/:repo/deployments', (req, res) => {
      const repo = repoOf(req, res);
      if (!repo) return;
      const sha = req.query.sha === undefined ? undefined : String(req.query.sha);
      const environment = req.query.environment === undefined ? undefined : String(req.query.environment);
      const deployments = repo.deployments
        .filter(
          (d) =>
            (sha === undefined || d.sha === sha) &&
            (environment === undefined || d.environment === environment),
        )
        .sort((a, b) => b.id - a.id)
        .slice(0, Math.min(100, Number(req.query.per_page ?? 30)))
        .map((d) => ({
          id: d.id,
          sha: d.sha,
          ref: d.ref,
          environment: d.environment,
          creator: { login: d.creator },
        }));
      res.json(deployments);
    });
    // GitHub accepts an answer only while the run waits on that environment.
    api.post('/repos/:owner/:repo/actions/runs/:run_id/deployment_protection_rule', (req, res) => {
      const repo = repoOf(req, res);
      const run = repo && runOf(repo, req, res);
      if (!repo || !run) return;
      const { environment_name, state, comment } = req.body ?? {};
      if (typeof environment_name !== 'string' || (state !== 'approved' && state !== 'rejected')) {
        return void res
          .status(422)
          .json({ message: 'Invalid request: environment_name and state are required' });
      }
      if (comment !== undefined && typeof comment !== 'string') {
        return void res.status(422).json({ message: 'Invalid request: comment must be a string' });
      }
      const index = run.pending.findIndex((e) => e.toLowerCase() === environment_name.toLowerCase());
      if (run.status !== 'waiting' || index < 0) {
        return void res
          .status(422)
          .json({ message: `No pending deployment for ${environment_name} in run ${run.id}` });
      }
      run.pending.splice(index, 1);
      repo.deploymentReviews.push({ runId: run.id, environment_name, state, comment });
      if (state === 'rejected') {
        run.status = 'completed';
        run.conclusion = 'failure';
        run.pending = [];
      } else if (run.pending.length === 0) {
        run.status = 'in_progress';
      }
      res.status(204).end();
    });
  }
}

/**
 * Applies a check run create/update body the way GitHub validates it: at most 50 annotations per
 * write (added to those already there), output needs title and summary, a conclusion completes
 * the run and `completed` needs one, at most 3 actions with GitHub's length limits. Returns what
 * GitHub would refuse, or null.
 */
function applyCheckRunWrite(run: FakeCheckRun, body: Record<string, any>): string | null {
  if (body.status !== undefined) {
    if (!['queued', 'in_progress', 'completed'].includes(body.status)) return `status ${body.status}`;
    run.status = body.status;
  }
  if (body.conclusion !== undefined) {
    run.conclusion = body.conclusion;
    run.status = 'completed';
  }
  if (run.status === 'completed' && !run.conclusion) return 'conclusion is required when status is completed';
  if (run.status === 'completed') run.completed_at ??= new Date().toISOString();
  if (body.external_id !== undefined) run.external_id = body.external_id;
  if (body.details_url !== undefined) run.details_url = body.details_url;
  if (body.actions !== undefined) {
    const actions = body.actions as FakeCheckRun['actions'];
    if (actions.length > 3) return 'at most 3 actions';
    for (const a of actions) {
      if (!a.label || a.label.length > 20) return `action label "${a.label}" (1–20 characters)`;
      if (!a.description || a.description.length > 40) return `action description "${a.description}" (1–40)`;
      if (!a.identifier || a.identifier.length > 20) return `action identifier "${a.identifier}" (1–20)`;
    }
    run.actions = actions;
  }
  if (body.output !== undefined) {
    const { title, summary, text, annotations = [] } = body.output;
    if (typeof title !== 'string' || typeof summary !== 'string') return 'output needs title and summary';
    if (summary.length > 65535 || (typeof text === 'string' && text.length > 65535)) {
      return 'output summary and text are at most 65535 characters';
    }
    if (annotations.length > 50) return 'at most 50 annotations per request';
    for (const a of annotations as FakeAnnotation[]) {
      if (!a.path || !(a.start_line >= 1) || !(a.end_line >= a.start_line) || !a.message) {
        return `annotation ${JSON.stringify(a)} needs path, start_line ≥ 1, end_line ≥ start_line and message`;
      }
      if (!['notice', 'warning', 'failure'].includes(a.annotation_level)) return 'annotation_level';
      if (a.title !== undefined && a.title.length > 255) return 'annotation title is at most 255 characters';
      if (Buffer.byteLength(a.message) > 64 * 1024) return 'annotation message is at most 64 KB';
      if ((a.start_column !== undefined || a.end_column !== undefined) && a.start_line !== a.end_line) {
        return 'columns only on single-line annotations';
      }
    }
    run.output = {
      title,
      summary,
      text: typeof text === 'string' ? text : run.output.text,
      annotations: [...run.output.annotations, ...annotations],
    };
  }
  return null;
}

const prefix = (files: Record<string, string>) =>
  Object.fromEntries(Object.entries(files).map(([name, text]) => [`policies/${name}`, text]));

/** `policies/<name>` paths for `FakeGitHub.commit`. */
export const policyFiles = prefix;
