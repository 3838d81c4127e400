/**
 * `npm run openapi`: writes docs/openapi.json and the route table at the end of docs/api.md from
 * app/http/openapi.ts. A script, not part of the server.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { API_TABLE_MARKER, renderApiDoc, renderOpenApi } from '../app/http/openapi.js';

const json = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
const doc = fileURLToPath(new URL('../docs/api.md', import.meta.url));
writeFileSync(json, renderOpenApi());
writeFileSync(doc, renderApiDoc(readFileSync(doc, 'utf8')));
process.stdout.write(`wrote ${json}\nwrote the route table below "${API_TABLE_MARKER}" in ${doc}\n`);
