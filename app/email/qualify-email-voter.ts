import type { Requester, Requirement } from '../../sdk/schemas.js';
import { type ListedQualification, qualifyListedVoter } from '../approvals/qualify-listed-voter.js';

export type EmailQualification = ListedQualification;

/** How an address is compared and recorded: trimmed and lowercased (`email:<address>` voters). */
export const normalizeEmail = (address: string): string => address.trim().toLowerCase();

/**
 * Whether the holder of an email address may vote on a request (pure), for decisions taken
 * through a mailed decision link: they qualify for each requirement whose `approvers.email` lists
 * the address (case-insensitively), unless they are the requester or the delegator
 * (`context.onBehalfOf: email:<address>`) and the rule does not say `allow_requester: true`.
 * The vote is cast as `email:<normalized address>` with source `email`.
 */
export function qualifyEmailVoter(
  request: { requester: Requester; context: Record<string, unknown> },
  requirements: readonly Requirement[],
  address: string,
): EmailQualification {
  return qualifyListedVoter(request, requirements, 'email', normalizeEmail(address), (listed, voter) => {
    return normalizeEmail(listed) === voter;
  });
}
