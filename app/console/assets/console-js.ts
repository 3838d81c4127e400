/**
 * The console's one script, served as `/console/assets/console.js` (a module, no inline script
 * anywhere, so the CSP can forbid them). It keeps a page live: it listens to
 * `/console/events` (server-sent events) and, when a change concerns what the page shows, fetches
 * the page again and swaps its `<main>` (never while the reader is typing in a form). Without
 * EventSource, or when the server has no room for another stream, it refreshes every minute. It
 * inserts nothing but the server's own escaped HTML.
 */
export const CONSOLE_JS = `'use strict';
(function () {
  var body = document.body;
  var live = body.getAttribute('data-live');
  if (!live) return;
  var watched = body.getAttribute('data-request-id');
  var busy = false;
  var again = false;

  function typing() {
    var main = document.getElementById('main');
    if (!main) return true;
    var active = document.activeElement;
    if (active && main.contains(active) && /^(TEXTAREA|INPUT|SELECT)$/.test(active.tagName)) return true;
    var fields = main.querySelectorAll('textarea');
    for (var i = 0; i < fields.length; i++) if (fields[i].value) return true;
    return false;
  }

  function refresh() {
    if (busy) { again = true; return; }
    if (typing()) { show('This page changed. Reload it to see the latest state.'); return; }
    busy = true;
    fetch(location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (text) {
        if (text === null) return;
        var next = new DOMParser().parseFromString(text, 'text/html').getElementById('main');
        var main = document.getElementById('main');
        if (next && main && !typing()) {
          main.replaceWith(document.importNode(next, true));
          body.setAttribute('data-updated', String(Date.now()));
        }
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }

  function show(text) {
    var note = document.getElementById('live-note');
    if (note) { note.textContent = text; note.hidden = false; }
  }

  function fallback() { setInterval(refresh, 60000); }

  if (!('EventSource' in window)) { fallback(); return; }
  var source = new EventSource('/console/events' + (watched ? '?request=' + encodeURIComponent(watched) : ''));
  var failures = 0;
  source.addEventListener('open', function () {
    failures = 0;
    body.setAttribute('data-live-connected', 'true');
  });
  source.addEventListener('change', function (event) {
    refresh();
  });
  source.addEventListener('error', function () {
    body.removeAttribute('data-live-connected');
    failures += 1;
    if (failures >= 5) { source.close(); fallback(); }
  });
})();
`;
