import type { Lang } from '../../../protocol/index.ts';
import { html, type Html } from './html.ts';
import { otherLang, pageTexts } from './i18n.ts';

/** The page shell every page shares: head, top bar with the language switch, footer. */
export function layout(opts: { lang: Lang; title: string; body: Html; path: string; nav?: Html }): string {
  const t = pageTexts(opts.lang);
  const other = otherLang(opts.lang);
  // A signed page's path keeps its `k`: switching the language must not drop the key to it.
  const switchTo = `${opts.path}${opts.path.includes('?') ? '&' : '?'}lang=${other}`;
  return `<!doctype html>${html`<html lang="${opts.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title}</title>
<link rel="stylesheet" href="/assets/pages.css">
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='8' fill='%234a154b'/%3E%3Ctext x='16' y='22' font-size='18' text-anchor='middle' fill='white'%3E⌨%3C/text%3E%3C/svg%3E">
</head>
<body>
<header class="topbar"><div class="wrap">
  <a class="logo" href="/?lang=${opts.lang}"><span class="logo-mark">⌨</span>SurFinger</a>
  <nav class="nav">${opts.nav ?? ''}<a href="${switchTo}" hreflang="${other}">${t('otherLangLabel')}</a></nav>
</div></header>
${opts.body}
<footer><div class="wrap">${t('footer')}</div></footer>
<script src="/assets/pages.js" defer></script>
</body>
</html>`}`;
}
