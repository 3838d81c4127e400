/**
 * Who may vote on a request from GitHub (docs/github-app.md, "Who qualifies"). Pure: the service gathers the
 * facts about the voter from GitHub (repository role, active team memberships), this decides.
 *
 * A requirement is met by people who qualify under ANY of its lists: `users` (logins, compared
 * case-insensitively), `teams` (`org/slug`, active membership only), `permission` (a minimum
 * repository role). Bots never qualify; the requester and the delegator (`context.onBehalfOf`)
 * qualify only where the rule says `allow_requester: true`. A requirement with only Slack
 * approvers cannot be met from GitHub.
 *
 * `read` is what GitHub answers for EVERY user on a public repository, so a `read` role counts
 * only for someone GitHub also lists as a collaborator (directly, through a team, or through the
 * organization's base permission): a stranger never qualifies under `permission: read`.
 */
import type { Permission, Requester, Requirement } from '../../sdk/schemas.js';
import { PERMISSIONS } from '../../sdk/schemas.js';
import { isRequester } from './is-requester.js';

export interface VoterFacts {
  login: string;
  /** A GitHub App or other bot account (`type: "Bot"`, or a login ending in `[bot]`). */
  isBot: boolean;
  /** The voter's effective role on the request's repository; null when none (or not looked up). */
  permission: Permission | null;
  /** `org/slug` of the teams (lowercase) where the voter's membership is active. */
  activeTeams: ReadonlySet<string>;
  /**
   * Whether GitHub lists the voter as a collaborator of the repository (`GET
   * /repos/{owner}/{repo}/collaborators/{username}` answered 204); null when not looked up. A `read`
   * role counts only when this is true.
   */
  collaborator: boolean | null;
}

export type Refusal = 'bot' | 'requester' | 'not_approver';

export interface Qualification {
  /** Rule names of the requirements this voter may approve or deny. */
  qualifiesFor: string[];
  /** Why nothing qualifies, when `qualifiesFor` is empty. */
  refusal: Refusal | null;
}

/** What must be looked up on GitHub to decide: the teams named, and whether a role is needed. */
export function factsNeeded(requirements: readonly Requirement[]): { teams: string[]; permission: boolean } {
  const teams = new Set(requirements.flatMap((r) => r.approvers.teams ?? []).map((t) => t.toLowerCase()));
  return { teams: [...teams], permission: requirements.some((r) => r.approvers.permission !== undefined) };
}

/**
 * Whether the voter's collaborator status must be looked up: only when their role is `read` (what
 * anyone has on a public repository) and some requirement would accept `read`.
 */
export function needsCollaboratorCheck(
  requirements: readonly Requirement[],
  permission: Permission | null,
): boolean {
  return permission === 'read' && requirements.some((r) => r.approvers.permission === 'read');
}

/** The role that counts: `read` only for a confirmed collaborator (anyone reads a public repository). */
function countedRole(facts: VoterFacts): Permission | null {
  if (facts.permission === 'read' && facts.collaborator !== true) return null;
  return facts.permission;
}

export function qualifyVoter(
  request: { requester: Requester; context: Record<string, unknown> },
  requirements: readonly Requirement[],
  facts: VoterFacts,
): Qualification {
  if (facts.isBot) return { qualifiesFor: [], refusal: 'bot' };
  const login = facts.login.toLowerCase();
  const requester = isRequester(request, facts.login);
  const role = countedRole(facts);
  let blockedAsRequester = false;
  const qualifiesFor: string[] = [];
  for (const requirement of requirements) {
    const { users = [], teams = [], permission } = requirement.approvers;
    const listed =
      users.some((user) => user.replace(/^@/, '').toLowerCase() === login) ||
      teams.some((team) => facts.activeTeams.has(team.toLowerCase())) ||
      (permission !== undefined && role !== null && permissionAtLeast(role, permission));
    if (!listed) continue;
    if (requester && !requirement.allowRequester) {
      blockedAsRequester = true;
      continue;
    }
    qualifiesFor.push(requirement.rule);
  }
  if (qualifiesFor.length > 0) return { qualifiesFor, refusal: null };
  return { qualifiesFor, refusal: blockedAsRequester ? 'requester' : 'not_approver' };
}

const permissionAtLeast = (role: Permission, minimum: Permission): boolean =>
  PERMISSIONS.indexOf(role) >= PERMISSIONS.indexOf(minimum);

/** What `GET /repos/{owner}/{repo}/collaborators/{username}/permission` answers. */
export interface CollaboratorPermission {
  /** `read` `triage` `write` `maintain` `admin`, or the name of a custom repository role. */
  roleName: string | null;
  /** Legacy field: `admin` `write` `read` `none` (maintain shows as write, triage as read). */
  permission: string | null;
  /** The booleans of `user.permissions`, when present. */
  permissions?: Partial<Record<'admin' | 'maintain' | 'push' | 'triage' | 'pull', boolean>> | null;
}

/**
 * The role that counts for `permission:` requirements. `role_name` is used when it is one of the
 * five base roles. A custom role (an organization's "security-reviewer") counts as the base role
 * it inherits, read from the `permissions` booleans GitHub returns with it; failing those, from
 * the legacy `permission` field (which can only under-state: maintain reads as write). Never more.
 */
export function effectivePermission(answer: CollaboratorPermission): Permission | null {
  const role = answer.roleName?.toLowerCase() ?? null;
  if (role && (PERMISSIONS as readonly string[]).includes(role)) return role as Permission;
  const p = answer.permissions;
  if (p) {
    if (p.admin) return 'admin';
    if (p.maintain) return 'maintain';
    if (p.push) return 'write';
    if (p.triage) return 'triage';
    if (p.pull) return 'read';
  }
  switch (answer.permission) {
    case 'admin':
      return 'admin';
    case 'write':
      return 'write';
    case 'read':
      return 'read';
    default:
      return null;
  }
}
