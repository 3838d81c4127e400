/** The console's one way to write HTML escapes everything it is given, and links only http(s). */
import { describe, expect, it } from 'vitest';
import { escapeHtml, html, safeHttpUrl } from '../../app/console/html.js';

describe('html', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['" onmouseover="x', '&quot; onmouseover=&quot;x'],
    ["' autofocus onfocus='x", '&#39; autofocus onfocus=&#39;x'],
    ['a & b `c`', 'a &amp; b &#96;c&#96;'],
  ])('escapes %s', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
    expect(html`<p title="${input}">${input}</p>`.text).toBe(`<p title="${expected}">${expected}</p>`);
  });

  it('inserts only its own fragments unescaped, joins lists and drops null and false', () => {
    const items = ['<a>', 'b'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${null}${false}${undefined}${0}`.text).toBe(
      '<ul><li>&lt;a&gt;</li><li>b</li></ul>0',
    );
    // A string that looks like markup stays text, even when it came from an earlier render.
    expect(html`${html`<b>x</b>`.text}`.text).toBe('&lt;b&gt;x&lt;/b&gt;');
  });

  it.each([
    ['https://github.com/acme/shop/pull/1', 'https://github.com/acme/shop/pull/1'],
    ['http://example.com/', 'http://example.com/'],
    ['javascript:alert(1)', null],
    [' JavaScript:alert(1)', null],
    ['data:text/html,<script>alert(1)</script>', null],
    ['//evil.example', null],
    [42, null],
    [`https://x.example/${'a'.repeat(3000)}`, null],
  ])('links %s only when it is http(s)', (input, expected) => {
    expect(safeHttpUrl(input)).toBe(expected);
  });
});
