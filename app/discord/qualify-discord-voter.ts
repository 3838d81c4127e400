import type { Requester, Requirement } from '../../sdk/schemas.js';
import { type ListedQualification, qualifyListedVoter } from '../approvals/qualify-listed-voter.js';

export type DiscordQualification = Omit<ListedQualification, 'refusal'> & {
  refusal: ListedQualification['refusal'] | 'bot';
};

/**
 * Whether a Discord user may vote on a request (pure): they qualify for each requirement whose
 * `approvers.discord` lists their user id, unless they are the requester or the delegator
 * (`context.onBehalfOf: discord:<id>`) and the rule does not say `allow_requester: true`. Bots
 * (and webhooks, which Discord marks as bots) never qualify.
 */
export function qualifyDiscordVoter(
  request: { requester: Requester; context: Record<string, unknown> },
  requirements: readonly Requirement[],
  user: { id: string; bot: boolean },
): DiscordQualification {
  if (user.bot) return { qualifiesFor: [], refusal: 'bot' };
  return qualifyListedVoter(request, requirements, 'discord', user.id);
}
