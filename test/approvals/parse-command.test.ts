import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../app/approvals/parse-command.js';

describe('parseCommand', () => {
  it.each([
    ['/approve', { decision: 'approve', requestId: null, reason: null }],
    ['/APPROVE looks right', { decision: 'approve', requestId: null, reason: 'looks right' }],
    ['/Deny   not on a Friday  ', { decision: 'deny', requestId: null, reason: 'not on a Friday' }],
    ['  /deny\nmore text below', { decision: 'deny', requestId: null, reason: null }],
    ['/approve ship it\r\nthanks', { decision: 'approve', requestId: null, reason: 'ship it' }],
    ['/deny\tbecause', { decision: 'deny', requestId: null, reason: 'because' }],
    [
      '/approve req_01jb4x7k2m9q3tz8v6w5y4c2n1',
      { decision: 'approve', requestId: 'req_01jb4x7k2m9q3tz8v6w5y4c2n1', reason: null },
    ],
    [
      '/deny req_01JB4X7K2M9Q3TZ8V6W5Y4C2N1 not during the freeze',
      { decision: 'deny', requestId: 'req_01jb4x7k2m9q3tz8v6w5y4c2n1', reason: 'not during the freeze' },
    ],
    // As our replies show ids: in a code span.
    [
      '/approve `req_01jb4x7k2m9q3tz8v6w5y4c2n1` ok',
      { decision: 'approve', requestId: 'req_01jb4x7k2m9q3tz8v6w5y4c2n1', reason: 'ok' },
    ],
    // A mistyped id is still an id (answered as unknown), never a bare /approve with a reason.
    ['/approve req_typo ship it', { decision: 'approve', requestId: 'req_typo', reason: 'ship it' }],
    // Only the first word, only `req_…`.
    [
      '/approve see req_01jb4x7k2m9q3tz8v6w5y4c2n1',
      { decision: 'approve', requestId: null, reason: 'see req_01jb4x7k2m9q3tz8v6w5y4c2n1' },
    ],
    ['/approve request_1 ok', { decision: 'approve', requestId: null, reason: 'request_1 ok' }],
  ])('%j is a command', (body, expected) => {
    expect(parseCommand(body)).toEqual(expected);
  });

  it.each([
    ['LGTM\n/approve'],
    ['/approved'],
    ['/approveplease'],
    ['> /approve'],
    ['please /approve'],
    ['`/approve`'],
    [''],
    [null],
  ])('%j is not a command', (body) => {
    expect(parseCommand(body)).toBeNull();
  });
});
