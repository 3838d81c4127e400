import { describe, expect, it } from 'vitest';
import { findRegexHazard } from '../../app/policy/find-regex-hazard.js';

describe('findRegexHazard', () => {
  it.each([
    ['(a+)+', 'nested quantifiers'],
    ['(a*)*', 'nested quantifiers'],
    ['^(\\w+\\s?)*$', 'nested quantifiers'],
    ['((ab)*c)+', 'nested quantifiers'],
    ['(?:x+){2,}', 'nested quantifiers'],
    ['(a{2,5}){1,100}', 'nested quantifiers'],
    ['(?P<name>a+)+', 'nested quantifiers'],
    ['(a|a)*', 'alternatives that can match the same text'],
    ['(a|ab)+', 'alternatives that can match the same text'],
    ['(\\d|1)+', 'alternatives that can match the same text'],
    ['(.|x)*', 'alternatives that can match the same text'],
    ['(\\w|\\d)+', 'alternatives that can match the same text'],
  ])('flags %s', (pattern, kind) => {
    expect(findRegexHazard(pattern)).toContain(kind);
  });

  it.each([
    '^[a-z]+@example\\.com$',
    '(\\d+\\.){3}\\d+',
    '(foo|bar)+',
    '(\\d|x)+',
    '(\\s|x)*',
    '[(a+)+]',
    '\\(a+\\)+',
    '(?i)^prod(uction)?$',
    '(ab)+',
    'a+b+c+',
    '(a|b)?',
  ])('accepts %s', (pattern) => {
    expect(findRegexHazard(pattern)).toBeNull();
  });
});
