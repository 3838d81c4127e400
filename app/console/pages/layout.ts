/** The frame of every console page: head (stylesheet, the one script), top bar, `<main>`. Pure. */
import { html, type SafeHtml } from '../html.js';

export type Section = 'queue' | 'history' | 'policies' | 'keys' | 'webhooks';

/** Who is signed in, as the top bar shows it. */
export interface ViewerLabel {
  /** "API key ops" or "GitHub mona". */
  label: string;
  isAdmin: boolean;
}

export interface Chrome {
  title: string;
  viewer: ViewerLabel | null;
  /** The session's CSRF token (the sign-out form needs it). */
  csrf: string | null;
  section?: Section | null;
  /** Live updates: the queue, or one request's page. */
  live?: { kind: 'queue' } | { kind: 'request'; id: string } | null;
  assets: { css: string; js: string };
}

const NAV: ReadonlyArray<{ section: Section; href: string; label: string; admin: boolean }> = [
  { section: 'queue', href: '/', label: 'Queue', admin: false },
  { section: 'history', href: '/?status=decided', label: 'History', admin: false },
  { section: 'policies', href: '/policies', label: 'Policies', admin: false },
  { section: 'keys', href: '/keys', label: 'API keys', admin: true },
  { section: 'webhooks', href: '/webhooks', label: 'Webhooks', admin: true },
];

export function renderPage(chrome: Chrome, content: SafeHtml): string {
  const { viewer, live } = chrome;
  const nav = viewer
    ? NAV.filter((item) => !item.admin || viewer.isAdmin).map(
        (item) =>
          html`<a href="${item.href}"${item.section === chrome.section ? html` aria-current="page"` : ''}>${item.label}</a>`,
      )
    : [];
  const who =
    viewer && chrome.csrf
      ? html`<div class="who"><span>Signed in as <strong>${viewer.label}</strong></span><form method="post" action="/logout"><input type="hidden" name="_csrf" value="${chrome.csrf}"><button type="submit">Sign out</button></form></div>`
      : '';
  const liveAttrs = live
    ? html` data-live="${live.kind}"${live.kind === 'request' ? html` data-request-id="${live.id}"` : ''}`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${chrome.title} · AgentGate</title>
<link rel="stylesheet" href="${chrome.assets.css}">
<script src="${chrome.assets.js}" defer></script>
</head>
<body${liveAttrs}>
<header class="top"><a class="brand" href="/">AgentGate</a><nav>${nav}</nav>${who}</header>
<main id="main">
<p id="live-note" class="note info" hidden></p>
${content}
</main>
</body>
</html>
`.text;
}

/** A notice above a page's content. */
export function renderNotice(
  notice: { kind: 'ok' | 'bad' | 'info' | 'warn'; text: string } | null,
): SafeHtml {
  return notice ? html`<p class="note ${notice.kind}" role="status">${notice.text}</p>` : html``;
}

/** `2026-12-05 09:52 UTC`. */
export const utc = (iso: string | null): string => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '—');

export const statusPill = (status: string): SafeHtml =>
  html`<span class="pill status-${status}">${status}</span>`;

export const urgencyPill = (urgency: string): SafeHtml =>
  html`<span class="pill urgency-${urgency}">${urgency}</span>`;
