/** Every semantic check, in the order their diagnostics are most useful. */
import type { PolicyValidator } from '../validation-input.js';
import { badDuration } from './bad-duration.js';
import { badFieldValue } from './bad-field-value.js';
import { badGlob } from './bad-glob.js';
import { duplicateDefaults } from './duplicate-defaults.js';
import { duplicateRuleNames } from './duplicate-rule-names.js';
import { listOutsideAction } from './list-outside-action.js';
import { overridesOnNonRoutingRule } from './overrides-on-non-routing-rule.js';
import { routeOnNonRoutingRule } from './route-on-non-routing-rule.js';
import { shadowedByDeny } from './shadowed-by-deny.js';
import { unmeetableCount } from './unmeetable-count.js';
import { unsafeRegex } from './unsafe-regex.js';

export const POLICY_VALIDATORS: readonly PolicyValidator[] = [
  duplicateRuleNames,
  duplicateDefaults,
  routeOnNonRoutingRule,
  overridesOnNonRoutingRule,
  badDuration,
  unsafeRegex,
  badGlob,
  badFieldValue,
  listOutsideAction,
  unmeetableCount,
  shadowedByDeny,
];
