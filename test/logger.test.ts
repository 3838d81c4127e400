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
});
