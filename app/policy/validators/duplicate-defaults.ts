import type { PolicyValidator } from '../validation-input.js';

/** Only one file may say what happens when no rule matches. */
export const duplicateDefaults: PolicyValidator = {
  code: 'duplicate-defaults',
  check({ defaults }) {
    const [first, ...rest] = defaults;
    if (!first) return [];
    return rest.map((entry) => ({
      file: entry.file,
      path: ['defaults'],
      at: 'key' as const,
      severity: 'error' as const,
      code: this.code,
      message: `defaults are already set in ${first.file}; keep one defaults: section for the whole set`,
    }));
  },
};
