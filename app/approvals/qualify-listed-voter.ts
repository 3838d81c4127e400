/**
 * Whether someone named by a chat or mail identity may vote (pure): Slack, Discord and email
 * approvers are listed by id or address in a requirement's `approvers.<channel>`, so one rule serves
 * all three. They qualify for each requirement that lists them, unless they are the requester or
 * the delegator (`context.onBehalfOf: <channel>:<id>`) and the rule does not say `allow_requester: true`.
 */
import type { Requester, Requirement } from '../../sdk/schemas.js';
import { isRequester } from './is-requester.js';

export interface ListedQualification {
  /** Rule names of the requirements whose list names this voter. */
  qualifiesFor: string[];
  /** Why nothing qualifies: listed only where the requester may not approve, or not listed at all. */
  refusal: 'requester' | 'not_approver' | null;
}

export type ListedChannel = 'slack' | 'discord' | 'email';

export function qualifyListedVoter(
  request: { requester: Requester; context: Record<string, unknown> },
  requirements: readonly Requirement[],
  channel: ListedChannel,
  id: string,
  /** How two names are compared (emails: case-insensitively). */
  same: (listed: string, id: string) => boolean = (listed, voter) => listed === voter,
): ListedQualification {
  const requester = isRequester(request, `${channel}:${id}`);
  const listed = requirements.filter((r) => (r.approvers[channel] ?? []).some((name) => same(name, id)));
  const qualifiesFor = listed.filter((r) => r.allowRequester || !requester).map((r) => r.rule);
  if (qualifiesFor.length > 0) return { qualifiesFor, refusal: null };
  return { qualifiesFor, refusal: listed.length > 0 ? 'requester' : 'not_approver' };
}
