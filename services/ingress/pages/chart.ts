import { escapeHtml } from './html.ts';

/**
 * A bar chart as inline SVG, rendered on the server: no chart library, no script, and it scales
 * with its container (viewBox). Each bar carries a <title> so hovering shows the exact value.
 */
export function barChart(points: ReadonlyArray<{ label: string; value: number }>, opts: { width?: number; height?: number; ariaLabel: string }): string {
  const width = opts.width ?? 720;
  const height = opts.height ?? 220;
  const pad = { top: 14, right: 8, bottom: 26, left: 34 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const max = Math.max(1, ...points.map((p) => p.value));
  // A "nice" top: 1, 2 or 5 times a power of ten, so gridlines land on round numbers.
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const top = [1, 2, 5, 10].map((m) => m * magnitude).find((v) => v >= max) ?? max;
  const step = innerW / Math.max(1, points.length);
  const barW = Math.max(2, step * 0.7);
  const y = (v: number) => pad.top + innerH - (v / top) * innerH;
  const parts: string[] = [];
  for (const frac of [0, 0.5, 1]) {
    const v = top * frac;
    // Games are whole numbers: a gridline at 0.5 would only confuse.
    if (!Number.isInteger(v)) continue;
    parts.push(`<line class="axis" x1="${pad.left}" x2="${width - pad.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`);
    parts.push(`<text x="${pad.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`);
  }
  points.forEach((p, i) => {
    const x = pad.left + i * step + (step - barW) / 2;
    const h = (p.value / top) * innerH;
    parts.push(
      `<rect class="b" x="${x.toFixed(1)}" y="${(pad.top + innerH - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${Math.max(h, 0).toFixed(1)}" rx="2"><title>${escapeHtml(p.label)}: ${p.value}</title></rect>`,
    );
    // Label every 5th bar (and the last) so labels never collide at phone width.
    if (i % 5 === 0 || i === points.length - 1) {
      parts.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${height - 8}" text-anchor="middle">${escapeHtml(p.label.slice(5))}</text>`);
    }
  });
  return `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(opts.ariaLabel)}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}
