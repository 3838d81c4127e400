import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, classifyAddress, judgeAddress } from '../../app/adapters/ssrf-guard.js';
import { HOSTILE_URLS } from '../webhooks/hostile-urls.js';

describe('checkWebhookUrl: hostile URLs', () => {
  it.each(HOSTILE_URLS)('refuses %s (%s)', (url) => {
    const verdict = checkWebhookUrl(url, false);
    expect(verdict.ok).toBe(false);
  });

  it('refuses every IPv4-embedding IPv6 spelling of a private target, but accepts it for a public one', () => {
    for (const host of ['[::ffff:0:10.0.0.1]', '[64:ff9b::192.168.0.1]', '[2002:c0a8:1::]', '[::10.0.0.1]']) {
      expect(checkWebhookUrl(`http://${host}/`, false), host).toMatchObject({ ok: false });
      expect(checkWebhookUrl(`http://${host}/`, true), host).toMatchObject({ ok: true });
    }
    for (const host of ['[::ffff:0:8.8.8.8]', '[64:ff9b::8.8.8.8]', '[2002:808:808::1]']) {
      expect(checkWebhookUrl(`http://${host}/`, false), host).toMatchObject({ ok: true });
    }
  });

  it('never opens Teredo, NAT64 local-use or reserved IPv6, even with private targets allowed', () => {
    for (const host of [
      '[2001:0:4136:e378:8000:63bf:3fff:fdd2]',
      '[64:ff9b:1::a00:1]',
      '[2001:db8::1]',
      '[::ffff:0:169.254.169.254]',
    ]) {
      expect(checkWebhookUrl(`http://${host}/`, true), host).toMatchObject({ ok: false });
    }
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
    // IPv6 forms that carry an IPv4 address are judged by it.
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['::ffff:0:a00:1', 'private'],
    ['::ffff:0:8.8.8.8', 'public'],
    ['::127.0.0.1', 'loopback'],
    ['::a9fe:a9fe', 'metadata'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::6440:1', 'cgnat'],
    ['64:ff9b::808:808', 'public'],
    ['2002:a00:1::', 'private'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:808:808::', 'public'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'],
    ['64:ff9b:1::a00:1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2001:2::1', 'reserved'],
    ['fec0::1', 'reserved'],
    ['::ffff:0:0:a00:1', 'reserved'],
    ['fdff:ffff::1', 'unique_local'],
    ['febf:ffff::1', 'link_local'],
    ['ff0e::1', 'multicast'],
    ['0.1.2.3', 'unspecified'],
    ['100.127.255.255', 'cgnat'],
    ['168.63.129.16', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.254', 'reserved'],
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
    expect(classifyAddress('1.2.3')).toBe('public'); // inet_aton: 1.2.0.3
    expect(judgeAddress('example.com', false)).toBeNull();
  });
});
