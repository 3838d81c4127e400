import { describe, expect, it } from 'vitest';
import { fitCheckRunInput } from '../../app/adapters/github/check-run-limits.js';

const bytes = (s: string) => Buffer.byteLength(s);

describe('fitCheckRunInput', () => {
  it('cuts annotation titles to 255 characters and messages to 64 KB, keeping what fits', () => {
    const fitted = fitCheckRunInput({
      annotations: [
        {
          path: 'a.yaml',
          startLine: 1,
          endLine: 1,
          level: 'failure',
          title: 't'.repeat(400),
          message: 'm'.repeat(70_000),
        },
        { path: 'a.yaml', startLine: 2, endLine: 2, level: 'warning', title: 'short', message: 'short' },
      ],
    });
    const [long, short] = fitted.annotations ?? [];
    expect(long?.title).toHaveLength(255);
    expect(long?.title?.endsWith('…')).toBe(true);
    expect(bytes(long?.message ?? '')).toBeLessThanOrEqual(64 * 1024);
    expect(short).toMatchObject({ title: 'short', message: 'short' });
  });

  it('cuts summary and text to 65535 UTF-8 bytes at a character boundary', () => {
    const emoji = '😀'.repeat(20_000); // 80,000 bytes, 40,000 UTF-16 units
    const fitted = fitCheckRunInput({ title: 't', summary: emoji, text: 'x'.repeat(70_000) });
    expect(bytes(fitted.summary ?? '')).toBeLessThanOrEqual(65_535);
    expect(fitted.summary).not.toContain('\uFFFD');
    expect(fitted.summary?.endsWith('…(cut to fit GitHub’s size limit)')).toBe(true);
    expect(bytes(fitted.text ?? '')).toBeLessThanOrEqual(65_535);
    expect(fitCheckRunInput({ summary: 'ok' }).summary).toBe('ok');
  });

  it('never splits a surrogate pair in a title', () => {
    const title = `${'a'.repeat(253)}😀😀`;
    const fitted = fitCheckRunInput({
      annotations: [{ path: 'a', startLine: 1, endLine: 1, level: 'notice', title, message: 'm' }],
    });
    const cut = fitted.annotations?.[0]?.title ?? '';
    expect(cut.length).toBeLessThanOrEqual(255);
    expect(/[\uD800-\uDBFF]$/.test(cut.slice(0, -1))).toBe(false);
  });
});
