import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../app/config.js';

describe('AGENTGATE_WEBHOOK_ALLOW_PRIVATE', () => {
  it('is off unless set to true', () => {
    expect(loadConfig({}).webhooks).toEqual({ allowPrivate: false });
    expect(loadConfig({ AGENTGATE_WEBHOOK_ALLOW_PRIVATE: 'false' }).webhooks).toEqual({
      allowPrivate: false,
    });
    expect(loadConfig({ AGENTGATE_WEBHOOK_ALLOW_PRIVATE: 'true' }).webhooks).toEqual({ allowPrivate: true });
  });

  it('refuses anything but true or false, naming the variable', () => {
    const attempt = () => loadConfig({ AGENTGATE_WEBHOOK_ALLOW_PRIVATE: 'yes' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow('AGENTGATE_WEBHOOK_ALLOW_PRIVATE must be true or false (got "yes")');
  });
});
