/**
 * The local page the dashboard window shows when the web service isn't answering,
 * instead of a Chromium error. It has no script (the dashboard window has no preload):
 * its buttons are links to anima-desktop://start|retry|status that main.ts catches in
 * will-navigate.
 */
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function dashboardUnavailableHtml(o: { url: string; reason: string; home: string; starting?: boolean }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Anima Dashboard: not running</title>
<style>
:root{color-scheme:light dark;font-family:system-ui,sans-serif}
body{margin:0;display:grid;place-items:center;min-height:100vh;background:Canvas;color:CanvasText}
main{max-width:34rem;padding:2rem;text-align:center}
h1{font-size:1.4rem}
p{line-height:1.5}
code{font-size:.9em}
a.button{display:inline-block;margin:.5rem;padding:.6rem 1.2rem;border-radius:.4rem;background:#2f6fed;color:#fff;text-decoration:none;font-weight:600}
a.button.secondary{background:transparent;color:inherit;border:1px solid currentColor}
a.button:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
</style></head>
<body><main>
<h1>${o.starting ? 'Anima is starting…' : 'The Anima dashboard is not running'}</h1>
<p>${esc(o.reason)}</p>
<p>It will appear here at <code>${esc(o.url)}</code> once the web service runs.<br>Home: <code>${esc(o.home)}</code></p>
<p><a class="button" href="anima-desktop://start">Start Anima</a>
<a class="button secondary" href="anima-desktop://retry">Try again</a>
<a class="button secondary" href="anima-desktop://status">Status &amp; Settings</a></p>
</main></body></html>`;
}

export function dataUrl(html: string): string {
  return `data:text/html;charset=utf-8,${encodeURIComponent(html)}`;
}
