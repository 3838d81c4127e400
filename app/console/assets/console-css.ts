/** The console's stylesheet, served as `/console/assets/console.css` (no inline style anywhere). */
export const CONSOLE_CSS = `
:root {
  --bg: #f6f8fa; --card: #ffffff; --text: #1f2328; --muted: #59636e; --line: #d1d9e0;
  --accent: #0969da; --ok: #1a7f37; --ok-bg: #dafbe1; --bad: #cf222e; --bad-bg: #ffebe9;
  --warn: #9a6700; --warn-bg: #fff8c5; --info-bg: #ddf4ff; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--text); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .mono { font-family: var(--mono); font-size: 13px; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 20px; padding: 10px 20px; background: #24292f; color: #fff; }
.top a { color: #fff; }
.brand { font-weight: 700; font-size: 17px; letter-spacing: .2px; }
.top nav { display: flex; flex-wrap: wrap; gap: 4px 14px; flex: 1; }
.top nav a { opacity: .85; }
.top nav a[aria-current="page"] { opacity: 1; font-weight: 600; border-bottom: 2px solid #fff; }
.who { display: flex; align-items: center; gap: 10px; font-size: 13px; opacity: .95; }
.who form { margin: 0; }
.who button { background: transparent; color: #fff; border: 1px solid #8c959f; border-radius: 6px; padding: 2px 10px; cursor: pointer; font-size: 13px; }
main { max-width: 1100px; margin: 0 auto; padding: 20px; }
h1 { font-size: 22px; margin: 4px 0 14px; overflow-wrap: anywhere; }
h2 { font-size: 16px; margin: 0 0 10px; }
h1 code { font-size: inherit; }
ol.audit { list-style: none; margin: 0; padding: 0; }
ol.audit li { padding: 6px 0; border-top: 1px solid var(--line); overflow-wrap: anywhere; }
ol.audit li:first-child { border-top: 0; }
ol.audit .details { margin-top: 2px; }
ul.checks { list-style: none; padding-left: 4px; margin: 4px 0 0; color: var(--muted); overflow-wrap: anywhere; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px; margin-bottom: 16px; }
.muted { color: var(--muted); }
.small { font-size: 13px; }
.note { padding: 10px 14px; border-radius: 8px; margin-bottom: 16px; border: 1px solid var(--line); overflow-wrap: anywhere; }
.note.ok { background: var(--ok-bg); border-color: #aceebb; }
.note.bad { background: var(--bad-bg); border-color: #ffcecb; }
.note.info { background: var(--info-bg); border-color: #b6e3ff; }
.note.warn { background: var(--warn-bg); border-color: #f5e0a0; }
.pill { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; border: 1px solid transparent; white-space: nowrap; }
.status-pending { background: var(--warn-bg); color: var(--warn); border-color: #f5e0a0; }
.status-approved { background: var(--ok-bg); color: var(--ok); border-color: #aceebb; }
.status-denied, .status-cancelled { background: var(--bad-bg); color: var(--bad); border-color: #ffcecb; }
.status-expired { background: #eaeef2; color: var(--muted); border-color: var(--line); }
.urgency-critical { background: var(--bad); color: #fff; }
.urgency-high { background: #fb8f44; color: #fff; }
.urgency-normal { background: #eaeef2; color: var(--text); }
.urgency-low { background: transparent; color: var(--muted); border-color: var(--line); }
.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; }
.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
input[type=text], input[type=password], select, textarea { font: inherit; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--text); max-width: 100%; }
textarea { width: 100%; min-height: 60px; }
button, .button { font: inherit; font-weight: 600; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--line); background: #f6f8fa; color: var(--text); cursor: pointer; display: inline-block; }
button.approve { background: var(--ok); border-color: var(--ok); color: #fff; }
button.deny { background: #fff; border-color: var(--bad); color: var(--bad); }
button.primary, .button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.queue { list-style: none; margin: 0; padding: 0; }
.queue li { border-top: 1px solid var(--line); padding: 12px 4px; display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 4px 16px; }
.queue li:first-child { border-top: 0; }
.queue .action { font-family: var(--mono); font-weight: 600; font-size: 14px; overflow-wrap: anywhere; }
.queue .meta { font-size: 13px; color: var(--muted); overflow-wrap: anywhere; }
.queue .side { text-align: right; font-size: 13px; white-space: nowrap; }
.empty { text-align: center; padding: 30px 10px; color: var(--muted); }
.grid { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 16px; }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 4px 14px; margin: 0; }
dl.facts dt { color: var(--muted); font-size: 13px; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
pre.json { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 10px; margin: 0; overflow: auto; max-height: 420px; white-space: pre-wrap; overflow-wrap: anywhere; }
.unverified { border-left: 4px solid #d4a72c; }
.tag { font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .4px; color: var(--warn); }
.requirement { padding: 8px 0; border-top: 1px solid var(--line); }
.requirement:first-of-type { border-top: 0; }
progress { width: 100%; height: 8px; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th, td { text-align: left; padding: 6px 8px; border-top: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
th { color: var(--muted); font-weight: 600; border-top: 0; }
.decide form { display: grid; gap: 8px; }
.decide .buttons { display: flex; gap: 8px; flex-wrap: wrap; }
.login { max-width: 420px; margin: 40px auto; }
.login form { display: grid; gap: 10px; }
.login input { width: 100%; }
.or { text-align: center; color: var(--muted); margin: 14px 0; font-size: 13px; }
.truncated { color: var(--warn); font-size: 12px; }
@media (max-width: 760px) {
  main { padding: 12px; }
  .grid { grid-template-columns: minmax(0, 1fr); gap: 0; }
  /* One column, in the order a reviewer in a hurry reads: decide, why, progress, what, context. */
  .grid.request > div { display: contents; }
  .s-decide { order: 1; } .s-why { order: 2; } .s-approvals { order: 3; } .s-params { order: 4; }
  .s-context { order: 5; } .s-facts { order: 6; } .s-audit { order: 7; }
  .queue li { grid-template-columns: minmax(0, 1fr); }
  .queue .side { text-align: left; }
  .who { width: 100%; justify-content: space-between; }
  .table-wrap { overflow-x: auto; }
  dl.facts { grid-template-columns: minmax(0, 1fr); }
  dl.facts dt { margin-top: 6px; }
}
`;
