/**
 * Named (server-side prepared) statements for the write path's few fixed shapes: PostgreSQL parses
 * and plans a named statement once per connection instead of at every execution. The name is a hash
 * of the text, so a text always has the same name and a name never two texts; past `MAX_NAMED`
 * shapes (they are a handful: a request with n jobs and m audit entries), statements run unnamed.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';

const MAX_NAMED = 256;
const names = new Map<string, string>();

export function prepared(text: string, values: unknown[]): pg.QueryConfig {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED) {
    name = `ag_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name === undefined ? { text, values } : { name, text, values };
}
