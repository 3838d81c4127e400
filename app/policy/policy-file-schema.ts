/**
 * The shape of a policy file (`policies/*.yaml`). One zod schema yields the TypeScript types, the
 * structural validation (unknown keys are errors) and the published `policies/schema.json`.
 * Meaning (fields that exist, safe regexes, duplicate names…) is checked afterwards by the named
 * rules in `validators/`.
 */
import { z } from 'zod';
import { DurationSchema, PERMISSIONS, POLICY_DECISIONS, REVIEW_VIAS } from '../../sdk/schemas.js';
import { isKnownField, KNOWN_FIELDS_TEXT } from './field-path.js';

export const OPERATORS = [
  'eq',
  'ne',
  'in',
  'not_in',
  'gt',
  'gte',
  'lt',
  'lte',
  'matches',
  'glob',
  'starts_with',
  'ends_with',
  'contains',
  'exists',
] as const;
export type Operator = (typeof OPERATORS)[number];

const COMBINATORS = ['all', 'any', 'not'] as const;

const ScalarSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const OrderedSchema = z.union([z.number(), z.string()], {
  error: 'compare with a number (or a string, e.g. an ISO date)',
});
const StringListSchema = z.array(z.string()).min(1, 'give at least one pattern');

const OperatorsSchema = z
  .strictObject({
    eq: ScalarSchema.optional().describe('equal to (same type, no coercion)'),
    ne: ScalarSchema.optional().describe('not equal to'),
    in: z.array(ScalarSchema).min(1, 'list at least one value').optional().describe('one of'),
    not_in: z.array(ScalarSchema).min(1, 'list at least one value').optional().describe('none of'),
    gt: OrderedSchema.optional(),
    gte: OrderedSchema.optional(),
    lt: OrderedSchema.optional(),
    lte: OrderedSchema.optional(),
    matches: z
      .string()
      .optional()
      .describe('regular expression (RE2 syntax, searched anywhere in the value; anchor with ^ and $)'),
    glob: z
      .union([z.string(), StringListSchema])
      .optional()
      .describe('glob over the whole value: * (not /), ** (anything), ?, [abc], {a,b}'),
    starts_with: z.string().optional(),
    ends_with: z.string().optional(),
    contains: ScalarSchema.optional().describe('substring of a string, or member of a list'),
    exists: z.boolean().optional().describe('present (a present null or false exists)'),
  })
  .meta({ id: 'operators' })
  .refine((ops) => Object.keys(ops).length > 0, {
    message: `give at least one operator: ${OPERATORS.join(', ')}`,
  });

/** A scalar (equality; a glob for `action`), a list of globs (for `action`), or operators. */
const MatcherSchema = z.union([ScalarSchema, StringListSchema, OperatorsSchema]).meta({ id: 'matcher' });

/** Keys a condition map may have, for editors (the loader checks them with better messages). */
const FIELD_KEY_PATTERN = '^(all|any|not|action|urgency|repository|(params|context|requester)(\\.[^.]+)+)$';

/** Field → matcher, plus the combinators `all`, `any`, `not`. Every entry must hold. */
export type Condition = { all?: Condition[]; any?: Condition[]; not?: Condition } & {
  [field: string]: unknown;
};

const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z
    .object({
      all: z.array(ConditionSchema).min(1, 'all needs at least one condition').optional(),
      any: z.array(ConditionSchema).min(1, 'any needs at least one condition').optional(),
      not: ConditionSchema.optional(),
    })
    .catchall(MatcherSchema)
    .superRefine((condition, ctx) => {
      for (const key of Object.keys(condition)) {
        if ((COMBINATORS as readonly string[]).includes(key) || isKnownField(key)) continue;
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `unknown field "${key}"; a condition can test ${KNOWN_FIELDS_TEXT}`,
          params: { code: 'unknown-field' },
        });
      }
    })
    .meta({
      id: 'condition',
      description: 'field → matcher; all/any/not combine conditions; every entry must hold',
      propertyNames: { pattern: FIELD_KEY_PATTERN },
    }),
);

/** A Discord id (a "snowflake"): 17–20 digits, copied with Developer Mode on. */
function DiscordIdSchema(what: string) {
  return z
    .string()
    .regex(
      /^\d{17,20}$/,
      `${what} is a number of 17–20 digits such as 123456789012345678 (Discord: Developer Mode, then Copy ID)`,
    );
}

const EmailSchema = z.email({ error: 'an email address looks like alice@example.com' });

const ApproversSchema = z
  .strictObject({
    users: z.array(z.string().min(1)).min(1, 'list at least one GitHub login').optional(),
    teams: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/, 'a team is written "org/slug"'))
      .min(1, 'list at least one team')
      .optional(),
    permission: z
      .enum(PERMISSIONS, { error: `permission is one of ${PERMISSIONS.join(', ')}` })
      .optional()
      .describe('minimum repository permission'),
    slack: z.array(z.string().min(1)).min(1, 'list at least one Slack user ID').optional(),
    discord: z
      .array(DiscordIdSchema('a Discord user id'))
      .min(1, 'list at least one Discord user ID')
      .optional(),
    email: z.array(EmailSchema).min(1, 'list at least one email address').optional(),
  })
  .refine((a) => Object.keys(a).length > 0, {
    message: 'approvers must name at least one of users, teams, permission, slack, discord, email',
  });

const NotifySchema = z.strictObject({
  slack: z.string().min(1).optional(),
  discord: z
    .array(DiscordIdSchema('a Discord channel id'))
    .min(1, 'list at least one Discord channel ID')
    .optional()
    .describe('Discord channel ids to post the request in'),
  email: z
    .array(EmailSchema)
    .min(1, 'list at least one email address')
    .optional()
    .describe('addresses to mail the request to'),
});

export const RouteSchema = z.strictObject({
  approvers: ApproversSchema.optional(),
  count: z
    .number()
    .int('count is a whole number')
    .min(1, 'count must be at least 1')
    .max(50, 'count must be at most 50')
    .optional()
    .describe('distinct qualified approvers needed'),
  via: z.enum(REVIEW_VIAS, { error: `via is one of ${REVIEW_VIAS.join(', ')}` }).optional(),
  timeout: DurationSchema.optional().describe('seconds, or a duration such as 30m, 4h, 2d'),
  notify: NotifySchema.optional(),
  allow_requester: z
    .boolean()
    .optional()
    .describe('let the requester and the delegator (context.onBehalfOf) approve'),
});
export type Route = z.infer<typeof RouteSchema>;

const DecisionSchema = z.enum(POLICY_DECISIONS, {
  error: `decision is one of ${POLICY_DECISIONS.join(', ')}`,
});

export const RuleSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/,
      'a rule name is 1–100 letters, digits and . _ : - (starting with a letter or digit)',
    )
    .describe('unique across the policy set'),
  description: z.string().optional(),
  if: ConditionSchema.describe('every entry must hold; {} matches every request'),
  decision: DecisionSchema,
  reason: z.string().min(1).optional().describe('shown to the requester, e.g. when denied'),
  route: RouteSchema.optional().describe('only for route_to_human'),
  overrides: z
    .boolean({ error: 'overrides is true or false' })
    .optional()
    .describe(
      'only for route_to_human: false forbids operator overrides (deciding through the API with a request:decide key) on the requests this rule routes; default: defaults.overrides, else true',
    ),
});
export type Rule = z.infer<typeof RuleSchema>;

export const DefaultsSchema = z.strictObject({
  decision: DecisionSchema.optional().describe('when no rule matches (route_to_human if omitted)'),
  reason: z.string().min(1).optional(),
  route: RouteSchema.optional(),
  overrides: z
    .boolean({ error: 'overrides is true or false' })
    .optional()
    .describe(
      'false forbids operator overrides (API-key decisions) on every routed request whose rule does not say otherwise; default true',
    ),
});
export type Defaults = z.infer<typeof DefaultsSchema>;

/** A file with its rules not yet checked: the loader checks each rule on its own. */
export const PolicyFileShellSchema = z.strictObject({
  rules: z.array(z.unknown(), { error: 'rules is a list of rules' }).optional(),
  defaults: DefaultsSchema.optional(),
});

export const PolicyFileSchema = z
  .strictObject({
    rules: z.array(RuleSchema).optional(),
    defaults: DefaultsSchema.optional(),
  })
  .meta({
    title: 'AgentGate policy file',
    description: 'policies/*.yaml: rules that approve, deny or route agent actions to humans',
  });
