/** YAML text → document with positions, so every later diagnostic can point at a line and column. */
import { type Document, isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import type { PolicyDiagnostic } from '../../sdk/schemas.js';

const MAX_FILE_BYTES = 1_000_000;

export type YamlPath = readonly (string | number)[];

export interface ParsedYaml {
  file: string;
  document: Document.Parsed;
  lineCounter: LineCounter;
  /** The plain data; null for an empty file. */
  value: unknown;
}

export type ParseYamlResult =
  | { ok: true; parsed: ParsedYaml; warnings: PolicyDiagnostic[] }
  | { ok: false; errors: PolicyDiagnostic[] };

export function parsePolicyYaml(file: string, text: string): ParseYamlResult {
  if (text.length > MAX_FILE_BYTES) {
    return {
      ok: false,
      errors: [yamlDiagnostic(file, 1, 1, 'error', `file is larger than ${MAX_FILE_BYTES} bytes; split it`)],
    };
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);
  const errors = document.errors.map((e) => {
    const unclosed = /^Missing closing (["'])quote/.exec(e.message);
    if (unclosed) {
      // YAML reports an unclosed string where the file ends; point at where the string starts.
      const start = text.lastIndexOf(unclosed[1] as string, e.pos[0] - 1);
      const { line, col } = at(Math.max(start, 0));
      return yamlDiagnostic(file, line, col, 'error', `this ${unclosed[1]}quoted string is never closed`);
    }
    const { line, col } = at(e.pos[0]);
    return yamlDiagnostic(file, line, col, 'error', firstLine(e.message));
  });
  if (errors.length > 0) return { ok: false, errors };
  const warnings = document.warnings.map((w) => {
    const { line, col } = at(w.pos[0]);
    return yamlDiagnostic(file, line, col, 'warning', firstLine(w.message));
  });
  try {
    const value = document.toJS({ maxAliasCount: 100 }) as unknown;
    return { ok: true, parsed: { file, document, lineCounter, value: value ?? null }, warnings };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, errors: [yamlDiagnostic(file, 1, 1, 'error', firstLine(message))] };
  }
}

/** Line and column (1-based) of a path's value, or of its key with `at: 'key'`; falls back to the nearest parent. */
export function locateYamlPath(
  parsed: ParsedYaml,
  path: YamlPath,
  at: 'key' | 'value' = 'value',
): { line: number; column: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const offset = offsetOf(parsed.document, path.slice(0, depth), depth === path.length ? at : 'value');
    if (offset !== null) {
      const { line, col } = parsed.lineCounter.linePos(offset);
      return { line, column: col };
    }
  }
  return { line: 1, column: 1 };
}

function offsetOf(document: Document.Parsed, path: YamlPath, at: 'key' | 'value'): number | null {
  if (path.length === 0) return (document.contents as Node | null)?.range?.[0] ?? 0;
  if (at === 'key') {
    const parent = path.length === 1 ? document.contents : document.getIn(path.slice(0, -1), true);
    if (isMap(parent)) {
      const last = path[path.length - 1];
      const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
      const key = pair?.key as Node | undefined;
      if (key?.range) return key.range[0];
    }
  }
  const node = document.getIn(path, true) as Node | undefined;
  if (node && typeof node === 'object' && node.range) return node.range[0];
  return null;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).trim();
}

function yamlDiagnostic(
  file: string,
  line: number,
  column: number,
  severity: 'error' | 'warning',
  message: string,
): PolicyDiagnostic {
  return { file, line, column, severity, code: 'yaml-syntax', message };
}
