/** The sign-in page (`/login`): an API key form, and "Sign in with GitHub" when the App's OAuth client is set. Pure. */
import { html, type SafeHtml } from '../html.js';
import { renderNotice } from './layout.js';

export function renderLogin(input: {
  csrf: string;
  github: boolean;
  /** Where to go after signing in (a console path). */
  next: string;
  notice: { kind: 'bad' | 'info'; text: string } | null;
}): SafeHtml {
  return html`<div class="login">
<h1>Sign in to AgentGate</h1>
${renderNotice(input.notice)}
${
  input.github
    ? html`<div class="card"><a class="button primary" id="github-sign-in" href="/login/github?next=${encodeURIComponent(input.next)}">Sign in with GitHub</a><p class="small muted">Reviewers: your approvals count as your GitHub identity, under the same rules as a comment or review.</p></div><p class="or">or, for operators</p>`
    : ''
}
<form class="card" method="post" action="/login" autocomplete="off">
<input type="hidden" name="_csrf" value="${input.csrf}">
<input type="hidden" name="next" value="${input.next}">
<label for="api-key">API key</label>
<input id="api-key" type="password" name="apiKey" placeholder="agk_…" required maxlength="512" autocomplete="off">
<button class="primary" type="submit">Sign in with an API key</button>
<p class="small muted">The key is checked once and never stored in your browser: the session only remembers which key it was.</p>
</form>
</div>`;
}

/** A page that only says something (an error, a refusal), with a way back. */
export function renderMessage(input: {
  heading: string;
  text: string;
  back?: { href: string; label: string };
}): SafeHtml {
  return html`<div class="card"><h1>${input.heading}</h1><p>${input.text}</p>${input.back ? html`<p><a href="${input.back.href}">${input.back.label}</a></p>` : ''}</div>`;
}
