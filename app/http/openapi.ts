/**
 * The OpenAPI 3.1 description of every route the server serves, built from the zod schemas of the
 * wire contract (sdk/schemas.ts) so the reference cannot drift from what the server validates.
 * `npm run openapi` writes it to docs/openapi.json and the route table of docs/api.md.
 */
import { z } from 'zod';
import { VERSION } from '../version.js';
import { INPUTS, OUTPUTS, ROUTES, type Route, refTo, type Schema } from './openapi-routes.js';

const BEARER_ANY = new Set(['none', "Slack's v0 signature", "GitHub's X-Hub-Signature-256"]);
export const openApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');

const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

function queryParameters(query: z.ZodType): Schema[] {
  const json = z.toJSONSchema(query, { io: 'input' }) as {
    properties?: Record<string, Schema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema,
  }));
}

function operation(route: Route): Schema {
  const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const parameters = [
    ...params,
    ...(route.headers ?? []),
    ...(route.query ? queryParameters(route.query) : []),
  ];
  const body =
    route.body === undefined
      ? undefined
      : typeof route.body === 'string'
        ? {
            required: route.body !== 'CancelBody',
            content: { 'application/json': { schema: refTo(route.body) } },
          }
        : { required: true, description: route.body.description, content: { [route.body.contentType]: {} } };
  const { ok } = route;
  const contentType = ok.contentType ?? 'application/json';
  return {
    operationId:
      route.method +
      route.path
        .split(/[^A-Za-z]+/)
        .map(capitalize)
        .join(''),
    summary: route.summary,
    tags: [route.tag],
    'x-agentgate-auth': route.auth,
    ...(BEARER_ANY.has(route.auth) ? { security: [] } : {}),
    ...(parameters.length > 0 && { parameters }),
    ...(body && { requestBody: body }),
    responses: {
      [ok.status]: {
        description: ok.description,
        ...(ok.schema ? { content: { [contentType]: { schema: ok.schema } } } : {}),
        ...(!ok.schema && ok.contentType ? { content: { [contentType]: {} } } : {}),
      },
      '4XX': {
        description:
          'bad input, authentication, scope, not found, conflict, rate limit: {error, code, details?}',
        content: { 'application/json': { schema: refTo('Error') } },
      },
    },
  };
}

function components(): Record<string, unknown> {
  const convert = (schemas: Record<string, z.ZodType>, io: 'input' | 'output') =>
    Object.fromEntries(
      Object.entries(schemas).map(([name, schema]) => {
        const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
        return [name, json];
      }),
    );
  return { ...convert(INPUTS, 'input'), ...convert(OUTPUTS, 'output') };
}

/** The document; deterministic, so the committed file can be compared byte for byte. */
export function createOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const route of ROUTES) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'AgentGate for GitHub',
      version: VERSION,
      description:
        'The approval gate in front of AI agents’ actions. Generated from the zod schemas of the wire contract (sdk/schemas.ts) by `npm run openapi`; the manual is docs/api.md.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: 'http://localhost:3000' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'an API key (`agk_…`) or a GitHub Actions OIDC token',
        },
      },
      schemas: components(),
    },
  };
}

export const renderOpenApi = (): string => `${JSON.stringify(createOpenApiDocument(), null, 2)}\n`;

/** The Markdown route table docs/api.md ends with. */
function renderRouteTable(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [
    '| method and path | what it does | who may call | sends | answers |',
    '| --- | --- | --- | --- | --- |',
    ...ROUTES.map((route) => {
      const sends = [
        typeof route.body === 'string' ? `body \`${route.body}\`` : route.body ? route.body.description : '',
        route.query
          ? `query ${queryParameters(route.query)
              .map((p) => `\`${String(p.name)}\``)
              .join(' ')}`
          : '',
      ]
        .filter(Boolean)
        .join('; ');
      const answer = `${route.ok.status} ${route.ok.description}`;
      return `| \`${route.method.toUpperCase()} ${route.path}\` | ${cell(route.summary)} | ${cell(route.auth)} | ${cell(sends)} | ${cell(answer)} |`;
    }),
  ];
  return `${lines.join('\n')}\n\nSchemas (\`CreateRequestBody\`, \`ApprovalRequest\`, …) are under \`components.schemas\` in [openapi.json](openapi.json).\n`;
}

export const API_TABLE_MARKER =
  '<!-- generated by `npm run openapi` from app/http/openapi.ts: do not edit below this line -->';

/** docs/api.md with everything after the marker replaced by the current route table. */
export function renderApiDoc(current: string): string {
  const at = current.indexOf(API_TABLE_MARKER);
  if (at === -1) throw new Error(`docs/api.md has lost its marker line: ${API_TABLE_MARKER}`);
  return `${current.slice(0, at + API_TABLE_MARKER.length)}\n\n${renderRouteTable()}`;
}
