import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../app/main.js';
import { startFakeSlack } from '../fakes/fake-slack.js';
import { until } from '../helpers/until.js';

const dir = mkdtempSync(join(tmpdir(), 'agentgate-slack-wiring-'));
mkdirSync(join(dir, 'no-policies'));
const running: RunningServer[] = [];
afterAll(async () => {
  for (const r of running) await r.server.close();
  rmSync(dir, { recursive: true, force: true });
});

const baseEnv = (name: string): NodeJS.ProcessEnv => ({
  PORT: '0',
  HOST: '127.0.0.1',
  DATABASE_URL: join(dir, `${name}.db`),
  AGENTGATE_POLICY_DIR: join(dir, 'no-policies'),
  ADMIN_API_KEY: 'admin-key-of-at-least-16-chars',
  LOG_LEVEL: 'silent',
});

describe('composition root', () => {
  it('plugs in webhooks always and Slack only with SLACK_BOT_TOKEN, posting through SLACK_API_URL', async () => {
    const plain = await startServer(baseEnv('plain'));
    running.push(plain);
    const health: any = await (await fetch(`http://127.0.0.1:${plain.address.port}/health`)).json();
    expect(Object.keys(health.integrations)).toContain('webhooks');
    expect(health.integrations.slack).toBeUndefined();

    const slack = await startFakeSlack('xoxb-wiring');
    try {
      const withSlack = await startServer({
        ...baseEnv('slack'),
        SLACK_BOT_TOKEN: 'xoxb-wiring',
        SLACK_CHANNEL: '#approvals',
        SLACK_API_URL: slack.url,
      });
      running.push(withSlack);
      const url = `http://127.0.0.1:${withSlack.address.port}`;
      const slackHealth = ((await (await fetch(`${url}/health`)).json()) as any).integrations.slack;
      expect(slackHealth).toEqual({ channel: '#approvals', interactive: false });
      const created = await fetch(`${url}/api/requests`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer admin-key-of-at-least-16-chars',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ action: 'deploy:prod' }),
      });
      expect(created.status).toBe(201);
      await until(() => slack.callsOf('chat.postMessage').length > 0);
      const [post] = slack.callsOf('chat.postMessage');
      expect(post?.body.channel).toBe('#approvals');
      expect(JSON.stringify(post?.body.blocks)).not.toContain('agentgate_approve'); // no signing secret, no buttons
      const buttons = await fetch(`${url}/api/slack/interactions`, {
        method: 'POST',
        body: 'payload=%7B%7D',
      });
      expect(buttons.status).toBe(404);
    } finally {
      await slack.close();
    }
  });
});
