import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, classifyAddress, judgeAddress, parseIPv4 } from '../../app/adapters/ssrf-guard.js';
import { HOSTILE_URLS } from '../webhooks/hostile-urls.js';

describe('checkWebhookUrl: hostile URLs', () => {
  it.each(HOSTILE_URLS)('refuses %s (%s)', (url) => {
    const verdict = checkWebhookUrl(url, false);
    expect(verdict.ok).toBe(false);
  });

  it('says why, in words', () => {
    expect(checkWebhookUrl('http://[::ffff:127.0.0.1]/', false)).toEqual({
      ok: false,
      reason: '::ffff:7f00:1 is a loopback address',
    });
    expect(checkWebhookUrl('gopher://x/', false)).toMatchObject({
      reason: 'the scheme "gopher" is not http or https',
    });
  });

  it('accepts public addresses and names (names are checked again at connection time)', () => {
    for (const url of [
      'https://hooks.example.com/agentgate',
      'http://93.184.216.34/',
      'https://[2606:4700::1111]/',
      'http://8.8.8.8:8080/x',
      'http://172.32.0.1/',
      'http://100.128.0.1/',
      'http://192.169.0.1/',
    ]) {
      expect(checkWebhookUrl(url, false), url).toMatchObject({ ok: true });
    }
  });

  it('with private targets allowed, accepts loopback and private ranges but never metadata, link-local or multicast', () => {
    for (const url of [
      'http://127.0.0.1:9000/',
      'http://localhost/',
      'http://10.1.2.3/',
      'http://[::1]/',
      'http://100.64.0.1/',
    ]) {
      expect(checkWebhookUrl(url, true), url).toMatchObject({ ok: true });
    }
    for (const url of [
      'http://169.254.169.254/',
      'http://[fd00:ec2::254]/',
      'http://169.254.1.1/',
      'http://224.0.0.1/',
      'http://0.0.0.0/',
      'http://[::ffff:169.254.169.254]/',
      'file:///etc/passwd',
    ]) {
      expect(checkWebhookUrl(url, true), url).toMatchObject({ ok: false });
    }
  });
});

describe('address classification', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['2130706433', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.20.1.1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['fe80::abcd', 'link_local'],
    ['fc00::1', 'unique_local'],
    ['ff05::2', 'multicast'],
    ['224.1.2.3', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['8.8.8.8', 'public'],
    ['2001:4860:4860::8888', 'public'],
  ])('%s is %s', (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });

  it('does not take names or malformed addresses for IPs', () => {
    for (const text of [
      'example.com',
      '1.2.3.4.5',
      '256.1.1.1',
      '08.1.1.1',
      '1::2::3',
      '::1%eth0',
      '',
      'fe80::1::',
    ]) {
      expect(classifyAddress(text), text).toBeNull();
    }
    expect(parseIPv4('1.2.3.4')).toBe(0x01020304);
    expect(judgeAddress('example.com', false)).toBeNull();
  });
});
