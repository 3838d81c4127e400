/**
 * Decides what a GitHub user may vote for on a request: gathers the facts `qualifyVoter` needs
 * (repository role by `role_name`, ACTIVE team memberships) from GitHub, only those the request's
 * requirements name, and lets the pure function decide.
 */
import {
  effectivePermission,
  factsNeeded,
  type Qualification,
  qualifyVoter,
} from '../approvals/qualify-voter.js';
import type { GitHubGateway } from '../ports/github-gateway.js';
import type { RequestRecord } from '../ports/store.js';

export const isBotAccount = (login: string, type: string | undefined): boolean =>
  type === 'Bot' || /\[bot\]$/i.test(login);

export class GitHubVoterAuthorizer {
  constructor(private readonly gateway: GitHubGateway) {}

  async qualify(request: RequestRecord, login: string, isBot: boolean): Promise<Qualification> {
    const requirements = request.review?.requirements ?? [];
    const repository = request.repository;
    if (isBot || !repository) {
      return qualifyVoter(request, requirements, { login, isBot, permission: null, activeTeams: new Set() });
    }
    const needed = factsNeeded(requirements);
    const [permission, teams] = await Promise.all([
      needed.permission
        ? this.gateway.collaboratorPermission(repository, login).then(effectivePermission)
        : Promise.resolve(null),
      Promise.all(
        needed.teams.map(async (team) =>
          (await this.gateway.teamMembership(team, login)) === 'active' ? team : null,
        ),
      ),
    ]);
    const activeTeams = new Set(teams.filter((t): t is string => t !== null));
    return qualifyVoter(request, requirements, { login, isBot, permission, activeTeams });
  }
}
