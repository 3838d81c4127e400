/** A routing rule's `route`, merged over `defaults.route`, as the requirement a request must meet. */
import type { Approvers, Requirement } from '../../sdk/schemas.js';
import type { Route } from './policy-file-schema.js';

export function resolveRequirement(
  rule: string,
  route: Route | undefined,
  defaults: Route | undefined,
): Requirement {
  const timeout = route?.timeout ?? defaults?.timeout;
  const notify = pickNotify(route?.notify, defaults?.notify);
  return deepFreeze({
    rule,
    approvers: pickApprovers(route?.approvers ?? defaults?.approvers ?? { permission: 'write' }),
    count: route?.count ?? defaults?.count ?? 1,
    via: route?.via ?? defaults?.via ?? 'issue',
    timeout: timeout === undefined ? null : typeof timeout === 'number' ? `${timeout}s` : timeout,
    notify,
    allowRequester: route?.allow_requester ?? defaults?.allow_requester ?? false,
  });
}

/** Only the keys that were given, in a stable order. */
function pickApprovers(approvers: Approvers): Approvers {
  const out: Approvers = {};
  if (approvers.users?.length) out.users = [...approvers.users];
  if (approvers.teams?.length) out.teams = [...approvers.teams];
  if (approvers.permission) out.permission = approvers.permission;
  if (approvers.slack?.length) out.slack = [...approvers.slack];
  if (approvers.discord?.length) out.discord = [...approvers.discord];
  if (approvers.email?.length) out.email = [...approvers.email];
  return out;
}

/** Each channel of `notify` from the rule, else from the defaults; null when none is named. */
function pickNotify(route: Route['notify'], defaults: Route['notify']): Requirement['notify'] {
  const out: NonNullable<Requirement['notify']> = {};
  const slack = route?.slack ?? defaults?.slack;
  const discord = route?.discord ?? defaults?.discord;
  const email = route?.email ?? defaults?.email;
  if (slack !== undefined) out.slack = slack;
  if (discord !== undefined) out.discord = [...discord];
  if (email !== undefined) out.email = [...email];
  return Object.keys(out).length > 0 ? out : null;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
