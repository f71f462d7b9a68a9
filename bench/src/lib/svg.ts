// A small hand-made SVG bar chart (no library, no external service).

export interface Bar {
  label: string;
  value: number;
}

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Bars with value labels, an optional dashed reference line (e.g. 0.95× of the first bar). */
export function barChart(opts: {
  title: string;
  yLabel: string;
  bars: Bar[];
  reference?: { value: number; label: string };
}): string {
  const W = 560;
  const H = 340;
  const m = { top: 48, right: 24, bottom: 56, left: 64 };
  const plotW = W - m.left - m.right;
  const plotH = H - m.top - m.bottom;
  const max = Math.max(1, ...opts.bars.map((b) => b.value), opts.reference?.value ?? 0) * 1.15;
  const y = (v: number) => m.top + plotH - (v / max) * plotH;
  const slot = plotW / Math.max(1, opts.bars.length);
  const barW = Math.min(90, slot * 0.6);
  const ticks = 5;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${esc(opts.title)}</text>`,
  ];
  for (let i = 0; i <= ticks; i++) {
    const v = (max / ticks) * i;
    const yy = y(v).toFixed(1);
    parts.push(
      `<line x1="${m.left}" y1="${yy}" x2="${W - m.right}" y2="${yy}" stroke="#e5e5e5"/>`,
      `<text x="${m.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#555">${v.toFixed(0)}</text>`,
    );
  }
  opts.bars.forEach((b, i) => {
    const x = m.left + slot * i + (slot - barW) / 2;
    const top = y(b.value);
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${(m.top + plotH - top).toFixed(1)}" fill="#3b73b9"/>`,
      `<text x="${(x + barW / 2).toFixed(1)}" y="${(top - 6).toFixed(1)}" text-anchor="middle">${esc(b.value.toFixed(1))}</text>`,
      `<text x="${(x + barW / 2).toFixed(1)}" y="${m.top + plotH + 18}" text-anchor="middle">${esc(b.label)}</text>`,
    );
  });
  if (opts.reference) {
    const yy = y(opts.reference.value).toFixed(1);
    parts.push(
      `<line x1="${m.left}" y1="${yy}" x2="${W - m.right}" y2="${yy}" stroke="#c0392b" stroke-dasharray="6 4"/>`,
      `<text x="${W - m.right}" y="${(Number(yy) - 5).toFixed(1)}" text-anchor="end" fill="#c0392b">${esc(opts.reference.label)}</text>`,
    );
  }
  parts.push(
    `<line x1="${m.left}" y1="${m.top + plotH}" x2="${W - m.right}" y2="${m.top + plotH}" stroke="#333"/>`,
    `<text x="16" y="${m.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${m.top + plotH / 2})">${esc(opts.yLabel)}</text>`,
    `<text x="${m.left + plotW / 2}" y="${H - 14}" text-anchor="middle">worker processes</text>`,
    `</svg>`,
  );
  return parts.join("\n") + "\n";
}
