import { describe, expect, it } from 'vitest';
import { audienceFor } from '../../action/server-audience.js';

const URL = 'https://gate.acme.dev';

describe('audienceFor', () => {
  it('asks for what the server announces', async () => {
    expect(await audienceFor(undefined, async () => ({ oidcAudience: URL }), URL)).toBe(URL);
  });

  it('takes the audience input instead, without asking the server', async () => {
    let asked = false;
    const health = async () => {
      asked = true;
      return { oidcAudience: URL };
    };
    expect(await audienceFor('acme-gate', health, URL)).toBe('acme-gate');
    expect(asked).toBe(false);
  });

  it('falls back to "agentgate" for an older server that announces nothing', async () => {
    expect(await audienceFor(undefined, async () => ({}), URL)).toBe('agentgate');
  });

  it('says what to check when /health cannot be read', async () => {
    const down = async () => {
      throw new Error('fetch failed');
    };
    await expect(audienceFor(undefined, down, URL)).rejects.toThrow(
      'Could not read the OIDC audience the server announces at https://gate.acme.dev/health (fetch failed). Check "server-url", or set the "audience" input',
    );
  });
});
