import type { Requester } from '../../sdk/schemas.js';

/**
 * Whether `identity` (a GitHub login, a Slack user id) is the request's requester (the Actions
 * `actor`, or the deployment's creator) or the person who delegated the task (`context.onBehalfOf`, written as `alice`, `@alice`,
 * `github:alice`, `slack:U123`, `discord:<user id>` or `email:<address>`). They never approve their own request unless the rule says
 * `allow_requester: true`. Compared case-insensitively, as GitHub treats logins.
 */
export function isRequester(
  request: { requester: Requester; context: Record<string, unknown> },
  identity: string,
): boolean {
  const normalize = (name: string) => name.replace(/^@|^(github|slack|discord|email):/i, '').toLowerCase();
  const who = normalize(identity);
  const actor = request.requester.type === 'api_key' ? null : request.requester.actor;
  const onBehalfOf = typeof request.context.onBehalfOf === 'string' ? request.context.onBehalfOf : null;
  return [actor, onBehalfOf].some((name) => name !== null && normalize(name) === who);
}
