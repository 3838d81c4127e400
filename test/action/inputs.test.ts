import { describe, expect, it } from 'vitest';
import { InputError, readInputs } from '../../action/inputs.js';

const read = (inputs: Record<string, string>) =>
  readInputs(
    (name) => ({ 'server-url': 'https://agentgate.example.com/', action: 'deploy', ...inputs })[name] ?? '',
  );

describe('readInputs', () => {
  it('applies the documented defaults', () => {
    expect(read({})).toEqual({
      serverUrl: 'https://agentgate.example.com',
      action: 'deploy',
      params: {},
      context: {},
      urgency: undefined,
      timeout: undefined,
      apiKey: undefined,
      wait: true,
      failOnDenied: true,
      idempotencyKey: undefined,
      audience: undefined,
      githubToken: undefined,
    });
  });

  it('takes the audience and the GitHub token when given', () => {
    expect(read({ audience: 'acme-gate', 'github-token': 'ghs_x' })).toMatchObject({
      audience: 'acme-gate',
      githubToken: 'ghs_x',
    });
  });

  it.each(['http://localhost:3000', 'http://127.0.0.1:8080/', 'http://[::1]:3000'])(
    'accepts plain http only on this machine: %s',
    (url) => {
      expect(read({ 'server-url': url }).serverUrl).toBe(url.replace(/\/$/, ''));
    },
  );

  it.each(['http://agentgate.acme.dev', 'http://10.0.0.5:3000', 'http://127.0.0.1.nip.io'])(
    'refuses plain http across a network, saying what to do: %s',
    (url) => {
      expect(() => read({ 'server-url': url })).toThrow(InputError);
      expect(() => read({ 'server-url': url })).toThrow(
        `Input "server-url" must use https:// (got "${url}"): the job's token would cross the network in clear text. Serve AgentGate over TLS`,
      );
    },
  );

  it.each([
    ['JSON', '{"env": "production", "replicas": 3}'],
    ['a YAML block', 'env: production\nreplicas: 3'],
    ['a YAML flow mapping', '{ env: production, replicas: 3 }'],
  ])('reads params as %s', (_form, text) => {
    expect(read({ params: text }).params).toEqual({ env: 'production', replicas: 3 });
  });

  it('reads timeouts as seconds or durations, and YAML 1.2 booleans', () => {
    expect(read({ timeout: '900' }).timeout).toBe(900);
    expect(read({ timeout: '1h30m' }).timeout).toBe('1h30m');
    expect(read({ wait: 'False', 'fail-on-denied': 'false' })).toMatchObject({
      wait: false,
      failOnDenied: false,
    });
  });

  it.each([
    [{ action: '' }, /Input "action" is required/],
    [{ params: 'just a string' }, /Input "params" must be a JSON object or a YAML mapping/],
    [{ context: 'a: [unclosed' }, /Input "context" is neither JSON nor YAML/],
    [{ 'fail-on-denied': 'no' }, /Input "fail-on-denied" must be true or false/],
    [{ 'idempotency-key': 'has spaces' }, /Input "idempotency-key" must be 1–255 visible ASCII/],
    [{ 'server-url': 'ftp://example.com' }, /must be an http\(s\) URL/],
  ])('refuses %o', (inputs, message) => {
    expect(() => read(inputs)).toThrow(InputError);
    expect(() => read(inputs)).toThrow(message);
  });
});
