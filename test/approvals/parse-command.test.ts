import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../app/approvals/parse-command.js';

describe('parseCommand', () => {
  it.each([
    ['/approve', { decision: 'approve', reason: null }],
    ['/APPROVE looks right', { decision: 'approve', reason: 'looks right' }],
    ['/Deny   not on a Friday  ', { decision: 'deny', reason: 'not on a Friday' }],
    ['  /deny\nmore text below', { decision: 'deny', reason: null }],
    ['/approve ship it\r\nthanks', { decision: 'approve', reason: 'ship it' }],
    ['/deny\tbecause', { decision: 'deny', reason: 'because' }],
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
