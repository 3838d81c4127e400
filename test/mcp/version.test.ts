import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VERSION as SERVER_VERSION } from '../../app/version.js';
import { VERSION as MCP_VERSION } from '../../mcp/version.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

// mcp/ keeps its own copy of the version lookup (it may import only the SDK): both must find the
// package, whatever it is named, or MCP clients see "0.0.0".
describe('the version MCP clients and /health report', () => {
  it("is package.json's, in the server and in the MCP server", () => {
    expect(SERVER_VERSION).toBe(pkg.version);
    expect(MCP_VERSION).toBe(pkg.version);
  });
});
