import { describe, expect, it } from 'vitest';
import {
  renderAmbiguousReply,
  renderNotBoundReply,
  renderPickRefusal,
} from '../../app/render/pull-request-replies.js';
import { aRequestRecord } from '../store/builders.js';

const request = (id: string, action: string) =>
  aRequestRecord({ id, action, context: { sha: 'a'.repeat(40) } });

describe('replies on a pull request that decided nothing', () => {
  it('list each pending request in a table row an agent-chosen action name cannot break', () => {
    const body = renderAmbiguousReply('mona', 'approving review', 7, [
      { request: request('req_01a', 'deploy|prod'), checkRunUrl: 'https://github.com/acme/p/runs/1' },
      { request: request('req_01b', 'db.migrate'), checkRunUrl: 'javascript:alert(1)' },
    ]);
    const rows = body.split('\n').filter((line) => line.startsWith('| `'));
    expect(rows).toEqual([
      '| `deploy\\|prod` | `req_01a` | [`AgentGate: deploy\\|prod (01a)`](https://github.com/acme/p/runs/1) | `/approve req_01a` |',
      '| `db.migrate` | `req_01b` | `AgentGate: db.migrate (01b)` | `/approve req_01b` |',
    ]);
    expect(body).toContain('2 requests wait for a decision on pull request #7');
  });

  it('never @-mention the person answered', () => {
    const pending = [{ request: request('req_01a', 'deploy'), checkRunUrl: null }];
    for (const body of [
      renderAmbiguousReply('mona', '`/approve`', 7, pending),
      renderNotBoundReply('mona', '`/approve`', 7, pending),
      renderPickRefusal('mona', 'approve', 'req_x', 'unknown', {
        request: null,
        pullRequest: 7,
        headSha: 'b'.repeat(40),
        checkRunUrl: null,
      }),
    ]) {
      expect(body.startsWith('`mona`: your ')).toBe(true);
      expect(body).not.toMatch(/@mona/);
    }
  });
});
