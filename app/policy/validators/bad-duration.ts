import { durationToSeconds, MAX_TIMEOUT_SECONDS } from '../../../sdk/schemas.js';
import type { DiagnosticDraft } from '../diagnostic-draft.js';
import type { YamlPath } from '../parse-policy-yaml.js';
import type { Route } from '../policy-file-schema.js';
import type { PolicyValidator } from '../validation-input.js';

/** A timeout must be a real duration no longer than the longest a request may stay pending. */
export const badDuration: PolicyValidator = {
  code: 'bad-duration',
  check({ rules, defaults }) {
    const drafts: DiagnosticDraft[] = [];
    const checkRoute = (
      file: string,
      route: Route | undefined,
      path: YamlPath,
      owner: string,
      rule?: string,
    ) => {
      if (route?.timeout === undefined) return;
      const seconds = durationToSeconds(route.timeout);
      const problem =
        seconds === null
          ? 'is not a duration; write seconds or e.g. "30m", "4h", "2d"'
          : seconds > MAX_TIMEOUT_SECONDS
            ? `is longer than the maximum of ${MAX_TIMEOUT_SECONDS / 86_400}d`
            : null;
      if (problem === null) return;
      drafts.push({
        file,
        path: [...path, 'route', 'timeout'],
        severity: 'error',
        code: this.code,
        message: `${owner}: timeout ${JSON.stringify(route.timeout)} ${problem}`,
        ...(rule ? { rule } : {}),
      });
    };
    for (const rule of rules)
      checkRoute(rule.file, rule.route, rule.yamlPath, `rule "${rule.name}"`, rule.name);
    for (const entry of defaults) checkRoute(entry.file, entry.defaults.route, ['defaults'], 'defaults');
    return drafts;
  },
};
