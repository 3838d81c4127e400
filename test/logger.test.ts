import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../app/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger('info', stream), text: () => lines.join('') };
}

describe('logger', () => {
  it('redacts keys, tokens, secrets and authorization headers wherever they appear', () => {
    const { log, text } = capture();
    log.info({ req: { headers: { authorization: 'Bearer agk_secret1' } } }, 'incoming');
    log.info({ key: 'agk_secret2', token: 'ghs_secret3', secret: 'whsec_4' }, 'created');
    log.info({ webhook: { secret: 'whsec_5' }, created: { key: 'agk_secret6' } }, 'nested');
    const output = text();
    for (const secret of ['agk_secret1', 'agk_secret2', 'ghs_secret3', 'whsec_4', 'whsec_5', 'agk_secret6']) {
      expect(output).not.toContain(secret);
    }
    expect(output).toContain('[redacted]');
  });

  it('logs an error without the webhook payload or body it carries, and clips long strings', () => {
    const { log, text } = capture();
    const payload = `PAYLOAD-MARKER${'x'.repeat(1_000_000)}`;
    const inner = Object.assign(new Error('signature does not match'), { event: { id: 'd1', payload } });
    const outer = Object.assign(new AggregateError([inner], 'signature does not match'), {
      event: { id: 'd1', payload },
      body: payload,
      detail: 'y'.repeat(100_000),
    });
    log.error(outer); // as Probot and @octokit/webhooks log it
    log.error({ err: inner }, 'handler failed');
    const output = text();
    expect(output).not.toContain('PAYLOAD-MARKER');
    expect(output.length).toBeLessThan(10_000);
    expect(output).toContain('signature does not match');
    expect(output).toContain('(100000 characters)');
  });
});
