import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../app/config.js';

describe('OIDC configuration', () => {
  it("defaults to GitHub's issuer, its JWKS and the audience the Action asks for", () => {
    expect(loadConfig({}).oidc).toEqual({
      issuer: 'https://token.actions.githubusercontent.com',
      audience: 'agentgate',
      jwksUrl: 'https://token.actions.githubusercontent.com/.well-known/jwks',
    });
  });

  it('takes the issuer, audience and JWKS URL from the environment', () => {
    expect(
      loadConfig({
        AGENTGATE_OIDC_ISSUER: 'https://ghe.example.com/_services/token',
        AGENTGATE_OIDC_AUDIENCE: 'agentgate-prod',
      }).oidc,
    ).toEqual({
      issuer: 'https://ghe.example.com/_services/token',
      audience: 'agentgate-prod',
      jwksUrl: 'https://ghe.example.com/_services/token/.well-known/jwks',
    });
    expect(
      loadConfig({
        AGENTGATE_OIDC_ISSUER: 'http://127.0.0.1:4000',
        AGENTGATE_OIDC_JWKS_URL: 'http://localhost:4001/keys',
      }).oidc.jwksUrl,
    ).toBe('http://localhost:4001/keys');
  });

  it("makes the server's public origin the audience, so another AgentGate server's tokens are refused", () => {
    expect(loadConfig({ AGENTGATE_PUBLIC_URL: 'https://gate.acme.dev/agentgate/' }).oidc.audience).toBe(
      'https://gate.acme.dev',
    );
    expect(loadConfig({ AGENTGATE_PUBLIC_URL: 'http://localhost:3000' }).oidc.audience).toBe(
      'http://localhost:3000',
    );
    expect(
      loadConfig({ AGENTGATE_PUBLIC_URL: 'https://gate.acme.dev', AGENTGATE_OIDC_AUDIENCE: 'acme-gate' }).oidc
        .audience,
    ).toBe('acme-gate');
    expect(() => loadConfig({ AGENTGATE_PUBLIC_URL: 'gate.acme.dev' })).toThrow(
      /AGENTGATE_PUBLIC_URL must be an http\(s\) URL.*got "gate.acme.dev".*OIDC audience/,
    );
  });

  it.each([
    ['AGENTGATE_OIDC_ISSUER', 'token.actions.githubusercontent.com'],
    ['AGENTGATE_OIDC_ISSUER', 'http://issuer.example.com'],
    ['AGENTGATE_OIDC_JWKS_URL', 'http://10.0.0.5/.well-known/jwks'],
  ])('refuses %s=%s, naming the variable and what to put there', (name, value) => {
    const attempt = () => loadConfig({ [name]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`${name} must be an https:// URL.*got "${value}"`));
  });
});
