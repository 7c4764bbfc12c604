/**
 * The pages' only assets, served from /assets/ (no CDN). CSS uses the system font stack, so
 * nothing is fetched from outside; the demo is pure CSS animation; the script only refreshes the
 * landing page counters.
 */
export const PAGES_CSS = `
:root {
  --bg: #f7f7fb; --panel: #ffffff; --ink: #1d1c2b; --muted: #6b6a7d; --line: #e6e5ef;
  --brand: #4a154b; --brand-2: #7b2c7f; --accent: #2eb67d; --warn: #e01e5a; --gold: #ecb22e;
  --radius: 14px; --shadow: 0 1px 2px rgba(29,28,43,.06), 0 8px 24px rgba(29,28,43,.06);
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink); line-height: 1.55;
  font: 16px/1.55 -apple-system, BlinkMacSystemFont, "Segoe UI", "Apple SD Gothic Neo", "Noto Sans KR", "Malgun Gothic", Roboto, Helvetica, Arial, sans-serif; }
a { color: var(--brand-2); }
.wrap { max-width: 1080px; margin: 0 auto; padding: 0 20px; }
.topbar { background: var(--panel); border-bottom: 1px solid var(--line); }
.topbar .wrap { display: flex; align-items: center; justify-content: space-between; height: 60px; gap: 12px; }
.logo { display: flex; align-items: center; gap: 10px; font-weight: 800; font-size: 20px; color: var(--brand); text-decoration: none; letter-spacing: -.01em; }
.logo-mark { width: 30px; height: 30px; border-radius: 8px; background: linear-gradient(135deg, var(--brand), var(--brand-2)); color: #fff; display: grid; place-items: center; font-size: 16px; }
.nav { display: flex; gap: 14px; align-items: center; font-size: 14px; }
.nav a { text-decoration: none; color: var(--muted); }
.nav a:hover { color: var(--ink); }
.hero { background: linear-gradient(160deg, #3b0f3c 0%, var(--brand) 45%, var(--brand-2) 100%); color: #fff; padding: 56px 0 64px; }
.hero .wrap { display: grid; grid-template-columns: 1.05fr .95fr; gap: 40px; align-items: center; }
.hero h1 { font-size: 44px; line-height: 1.15; margin: 8px 0 16px; letter-spacing: -.02em; }
.hero p { color: rgba(255,255,255,.86); font-size: 18px; margin: 0 0 28px; }
.eyebrow { text-transform: uppercase; letter-spacing: .12em; font-size: 13px; font-weight: 700; color: var(--gold); }
.btn { display: inline-flex; align-items: center; gap: 10px; border: 0; border-radius: 10px; padding: 12px 20px; font-weight: 700; font-size: 16px; cursor: pointer; text-decoration: none; font-family: inherit; }
.btn-slack { background: #fff; color: var(--ink); box-shadow: 0 6px 18px rgba(0,0,0,.18); }
.btn-slack:hover { transform: translateY(-1px); }
.btn-primary { background: var(--brand); color: #fff; }
.btn-primary:hover { background: var(--brand-2); }
.btn-ghost { background: transparent; color: var(--brand); border: 1px solid var(--line); }
.btn-small { padding: 6px 12px; font-size: 14px; }
.slack-mark { width: 22px; height: 22px; }
.counters { display: flex; gap: 28px; margin-top: 32px; flex-wrap: wrap; }
.counter b { display: block; font-size: 30px; line-height: 1.1; }
.counter span { font-size: 13px; color: rgba(255,255,255,.75); }
.demo { background: #fff; color: var(--ink); border-radius: var(--radius); box-shadow: 0 24px 60px rgba(0,0,0,.35); overflow: hidden; }
.demo-head { padding: 12px 16px; border-bottom: 1px solid var(--line); font-weight: 700; display: flex; gap: 8px; align-items: center; }
.dots { display: flex; gap: 6px; margin-right: 6px; }
.dots i { width: 10px; height: 10px; border-radius: 50%; background: #e3e2ea; display: block; }
.demo-body { padding: 14px 16px 18px; min-height: 260px; }
.msg { display: flex; gap: 10px; margin: 10px 0; opacity: 0; animation: show 12s infinite; }
.avatar { width: 34px; height: 34px; border-radius: 8px; flex: none; display: grid; place-items: center; color: #fff; font-weight: 700; font-size: 14px; }
.av-bot { background: #4a154b; } .av-0 { background: #2eb67d; } .av-1 { background: #36c5f0; }
.msg .who { font-weight: 700; font-size: 14px; }
.msg .text { font-size: 15px; }
.prompt-box { margin-top: 4px; padding: 8px 12px; border-left: 4px solid var(--gold); background: #fff8e6; border-radius: 6px; font-weight: 600; }
.typing { display: inline-block; overflow: hidden; white-space: nowrap; vertical-align: bottom; border-right: 2px solid var(--ink); animation: type 12s steps(22) infinite; max-width: 0; }
.tag { display: inline-block; font-size: 12px; padding: 1px 8px; border-radius: 999px; background: #e8f7f0; color: #127a4f; margin-left: 6px; font-weight: 700; }
.tag.miss { background: #fdecef; color: #b0143f; }
.m1 { animation-delay: 0s; } .m2 { animation-delay: 0s; } .m3 { animation-delay: 0s; } .m4 { animation-delay: 0s; }
@keyframes show { 0% { opacity: 0; transform: translateY(6px); } 4%, 92% { opacity: 1; transform: none; } 100% { opacity: 0; } }
.m2 { animation-name: show2; } .m3 { animation-name: show3; } .m4 { animation-name: show4; }
@keyframes show2 { 0%, 18% { opacity: 0; transform: translateY(6px); } 22%, 92% { opacity: 1; transform: none; } 100% { opacity: 0; } }
@keyframes show3 { 0%, 38% { opacity: 0; transform: translateY(6px); } 42%, 92% { opacity: 1; transform: none; } 100% { opacity: 0; } }
@keyframes show4 { 0%, 60% { opacity: 0; transform: translateY(6px); } 64%, 92% { opacity: 1; transform: none; } 100% { opacity: 0; } }
@keyframes type { 0%, 20% { max-width: 0; } 36%, 100% { max-width: 22ch; border-color: transparent; } }
@media (prefers-reduced-motion: reduce) { .msg, .typing { animation: none; opacity: 1; max-width: none; border: 0; } }
section.block { padding: 48px 0; }
section.block.tight { padding-top: 0; }
section.block h2 { font-size: 26px; margin: 0 0 20px; letter-spacing: -.01em; }
.grid { display: grid; gap: 16px; }
.grid-4 { grid-template-columns: repeat(4, 1fr); }
.grid-3 { grid-template-columns: repeat(3, 1fr); }
.grid-2 { grid-template-columns: repeat(2, 1fr); }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 18px 20px; box-shadow: var(--shadow); }
.card h3 { margin: 0 0 6px; font-size: 17px; }
.card p { margin: 0; color: var(--muted); font-size: 15px; }
.step-num { display: inline-grid; place-items: center; width: 28px; height: 28px; border-radius: 50%; background: var(--brand); color: #fff; font-weight: 700; font-size: 14px; margin-bottom: 8px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; }
.card code { background: #f1eff7; padding: 1px 6px; border-radius: 6px; color: var(--brand); }
footer { color: var(--muted); font-size: 14px; padding: 28px 0 40px; border-top: 1px solid var(--line); margin-top: 20px; }
.page-head { padding: 32px 0 8px; }
.page-head h1 { margin: 0; font-size: 30px; letter-spacing: -.01em; }
.page-head p { margin: 4px 0 0; color: var(--muted); }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(132px, 1fr)); gap: 14px; margin: 20px 0; }
.tiles.four { grid-template-columns: repeat(4, 1fr); }
.tile { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 16px 18px; box-shadow: var(--shadow); }
.tile b { display: block; font-size: 26px; line-height: 1.2; }
.tile span { color: var(--muted); font-size: 13px; }
.tile small { display: block; color: var(--muted); font-size: 12px; margin-top: 2px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 18px 20px; box-shadow: var(--shadow); margin: 0 0 18px; overflow-x: auto; }
.panel h2 { font-size: 18px; margin: 0 0 12px; }
.panel h3 { font-size: 13px; margin: 14px 0 4px; text-transform: uppercase; letter-spacing: .05em; }
table { width: 100%; border-collapse: collapse; font-size: 14px; }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:last-child td { border-bottom: 0; }
.badges { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 10px; }
.badge { display: flex; gap: 10px; align-items: flex-start; padding: 10px 12px; border-radius: 12px; border: 1px solid var(--line); background: #fff; }
.badge .emoji { font-size: 24px; line-height: 1; }
.badge b { display: block; font-size: 14px; }
.badge span { font-size: 12px; color: var(--muted); }
.badge.locked { background: #fafafc; filter: grayscale(1); opacity: .6; }
.bar { height: 6px; background: #eceaf3; border-radius: 99px; margin-top: 6px; overflow: hidden; }
.bar i { display: block; height: 100%; background: var(--accent); }
.chart svg { width: 100%; height: auto; display: block; }
.chart .b { fill: var(--brand-2); } .chart .b:hover { fill: var(--brand); }
.chart .axis { stroke: var(--line); } .chart text { fill: var(--muted); font-size: 11px; font-family: inherit; }
form.stack { display: grid; gap: 12px; }
form.stack p { margin: 0; font-size: 13px; }
label { font-weight: 600; font-size: 14px; display: grid; gap: 6px; }
input[type=text], input[type=password], input[type=number], select, textarea { font: inherit; padding: 10px 12px; border-radius: 10px; border: 1px solid #d7d5e3; background: #fff; width: 100%; }
textarea { min-height: 110px; resize: vertical; }
input:focus, textarea:focus { outline: 2px solid var(--brand-2); outline-offset: 1px; }
.row { display: flex; gap: 10px; flex-wrap: wrap; align-items: center; }
.row.spaced { margin-top: 14px; }
.alert { padding: 10px 14px; border-radius: 10px; margin: 12px 0; font-size: 14px; }
.alert.ok { background: #e8f7f0; color: #0f6e46; } .alert.err { background: #fdecef; color: #a3123a; }
.login { max-width: 380px; margin: 64px auto; }
.preview { border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; background: #fbfbfe; white-space: pre-wrap; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 700; }
.pill.ok { background: #e8f7f0; color: #0f6e46; } .pill.err { background: #fdecef; color: #a3123a; }
.muted { color: var(--muted); }
.split { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
@media (max-width: 860px) {
  .hero .wrap, .split { grid-template-columns: 1fr; }
  .grid-4 { grid-template-columns: repeat(2, 1fr); }
  .grid-3 { grid-template-columns: 1fr; }
  .hero h1 { font-size: 34px; }
}
@media (max-width: 520px) {
  .grid-4, .grid-2 { grid-template-columns: 1fr; }
  .tiles.four { grid-template-columns: repeat(2, 1fr); }
  .hero { padding: 36px 0 44px; }
  .hero h1 { font-size: 28px; }
  .nav .hide-sm, th.hide-sm, td.hide-sm { display: none; }
  th, td { padding: 6px 6px; }
}
`;

/** Refreshes the landing page counters every 15 s from /stats.json. */
export const PAGES_JS = `
(function () {
  var els = document.querySelectorAll('[data-counter]');
  if (!els.length) return;
  function refresh() {
    fetch('/stats.json', { headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s) els.forEach(function (el) { var v = s[el.getAttribute('data-counter')]; if (typeof v === 'number') el.textContent = v.toLocaleString(); }); })
      .catch(function () {});
  }
  setInterval(refresh, 15000);
})();
`;
