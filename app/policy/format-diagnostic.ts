import type { PolicyDiagnostic } from '../../sdk/schemas.js';

/** `policies/payments.yaml:12:7: error: rule "x": …` — the format editors and CI annotate from. */
export function formatDiagnostic(
  diagnostic: PolicyDiagnostic,
  displayPath: (file: string) => string = (f) => f,
): string {
  return `${displayPath(diagnostic.file)}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.severity}: ${diagnostic.message}`;
}
