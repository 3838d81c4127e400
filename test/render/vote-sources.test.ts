/** How each vote is listed on GitHub, with where it was cast: the web console and decision links included. */
import { describe, expect, it } from 'vitest';
import { renderVoteLines } from '../../app/render/vote-sources.js';
import type { Vote } from '../../sdk/schemas.js';

const vote = (overrides: Partial<Vote>): Vote => ({
  voter: 'github:mona',
  decision: 'approve',
  reason: null,
  createdAt: '2026-12-05T10:00:00.000Z',
  source: 'github:comment',
  qualifiesFor: ['r'],
  url: null,
  ...overrides,
});

describe('renderVoteLines', () => {
  it.each([
    [
      vote({ source: 'console', url: 'https://agentgate.example.com/requests/req_1' }),
      '- ✅ approved by `mona` — [the AgentGate web console](https://agentgate.example.com/requests/req_1), 2026-12-05 10:00 UTC',
    ],
    [
      vote({ source: 'console' }),
      '- ✅ approved by `mona` — the AgentGate web console, 2026-12-05 10:00 UTC',
    ],
    [
      vote({ source: 'email', voter: 'email:alice@example.com', decision: 'deny' }),
      '- ❌ denied by `alice@example.com` — decision link in an email, 2026-12-05 10:00 UTC',
    ],
    [
      vote({ source: 'console', url: 'javascript:alert(1)' }),
      '- ✅ approved by `mona` — the AgentGate web console, 2026-12-05 10:00 UTC',
    ],
  ])('lists %o', (input, line) => {
    expect(renderVoteLines([input])).toEqual([line]);
  });
});
