/**
 * Decides what a GitHub user may vote for on a request: gathers the facts `qualifyVoter` needs
 * (repository role by `role_name`, collaborator status behind a `read` role, ACTIVE team
 * memberships) from GitHub, only those the request's requirements name, and lets the pure function
 * decide.
 *
 * A team GitHub will not show us (its organization does not have the app installed: 404; the
 * installation may not read its teams: 403) has no members as far as a vote is concerned. That is
 * logged once per team, and the vote goes on: a listed user on the same request still counts.
 */
import {
  effectivePermission,
  factsNeeded,
  needsCollaboratorCheck,
  type Qualification,
  qualifyVoter,
} from '../approvals/qualify-voter.js';
import { BoundedCache } from '../bounded-cache.js';
import type { Logger } from '../logger.js';
import { GitHubError, type GitHubGateway } from '../ports/github-gateway.js';
import type { RequestRecord } from '../ports/store.js';

export const isBotAccount = (login: string, type: string | undefined): boolean =>
  type === 'Bot' || /\[bot\]$/i.test(login);

/** Teams already reported as unreadable (a policy names a handful; the cap only bounds memory). */
const MAX_REPORTED_TEAMS = 1_000;

/** A 403 that is GitHub pacing us (primary or secondary rate limit) is not an answer about the team. */
const RATE_LIMITED = /rate limit/i;

export class GitHubVoterAuthorizer {
  readonly #reported = new BoundedCache<string, true>({ max: MAX_REPORTED_TEAMS });

  constructor(
    private readonly gateway: GitHubGateway,
    private readonly log?: Logger,
  ) {}

  async qualify(request: RequestRecord, login: string, isBot: boolean): Promise<Qualification> {
    const requirements = request.review?.requirements ?? [];
    const repository = request.repository;
    if (isBot || !repository) {
      return qualifyVoter(request, requirements, {
        login,
        isBot,
        permission: null,
        activeTeams: new Set(),
        collaborator: null,
      });
    }
    const needed = factsNeeded(requirements);
    const [permission, teams] = await Promise.all([
      needed.permission
        ? this.gateway.collaboratorPermission(repository, login).then(effectivePermission)
        : Promise.resolve(null),
      Promise.all(
        needed.teams.map(async (team) => ((await this.#isActiveMember(team, login)) ? team : null)),
      ),
    ]);
    const collaborator = needsCollaboratorCheck(requirements, permission)
      ? await this.gateway.isCollaborator(repository, login)
      : null;
    const activeTeams = new Set(teams.filter((t): t is string => t !== null));
    return qualifyVoter(request, requirements, { login, isBot, permission, activeTeams, collaborator });
  }

  async #isActiveMember(team: string, login: string): Promise<boolean> {
    try {
      return (await this.gateway.teamMembership(team, login)) === 'active';
    } catch (error) {
      if (!unreadableTeam(error)) throw error;
      if (!this.#reported.has(team)) {
        this.#reported.set(team, true);
        this.log?.warn(
          { team, status: error.status, err: error },
          `team ${team} cannot be read (GitHub answered ${error.status}: the app is not installed on its ` +
            'organization, or may not read its teams); nobody qualifies through it',
        );
      }
      return false;
    }
  }
}

function unreadableTeam(error: unknown): error is GitHubError {
  if (!(error instanceof GitHubError)) return false;
  return error.status === 404 || (error.status === 403 && !RATE_LIMITED.test(error.message));
}
