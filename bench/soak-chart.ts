/** The soak's chart: each instance's RSS and the reads' p99 over the run, as a small SVG (no dependency). */
interface Point {
  minute: number;
  rssMb: number[];
  readP99Ms: number;
  /** The soak's own event-loop delay (samples of runs before it was measured have none). */
  soak?: { loopP99Ms: number };
}

const WIDTH = 720;
const PANEL = 180;
const LEFT = 56;
const COLOURS = ['#1f77b4', '#ff7f0e'];

export function soakChart(samples: readonly Point[], minutes: number): string {
  const x = (minute: number) => LEFT + ((WIDTH - LEFT - 16) * minute) / minutes;
  const panel = (top: number, title: string, unit: string, series: { label: string; colour: string; values: number[] }[]) => {
    const max = Math.max(1, ...series.flatMap((s) => s.values.filter(Number.isFinite))) * 1.15;
    const y = (v: number) => top + PANEL - (PANEL * v) / max;
    const ticks = [0, max / 2, max].map(
      (v) =>
        `<line x1="${LEFT}" x2="${WIDTH - 16}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${LEFT - 6}" y="${y(v) + 4}" text-anchor="end">${Math.round(v)}</text>`,
    );
    const lines = series.map(
      (s, i) =>
        `<polyline fill="none" stroke="${s.colour}" stroke-width="1.5" points="${samples.map((p, j) => `${x(p.minute).toFixed(1)},${y(s.values[j]!).toFixed(1)}`).join(' ')}"/>` +
        `<text x="${LEFT + 8 + i * 140}" y="${top + 14}" fill="${s.colour}">${s.label}</text>`,
    );
    return `<text x="${LEFT}" y="${top - 6}" font-weight="bold">${title} (${unit})</text>${ticks.join('')}${lines.join('')}`;
  };
  const instances = samples[0]?.rssMb.length ?? 0;
  const axis = Array.from({ length: 7 }, (_, i) => (minutes * i) / 6).map(
    (m) => `<text x="${x(m)}" y="${2 * PANEL + 88}" text-anchor="middle">${Math.round(m * 10) / 10}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${2 * PANEL + 110}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
${panel(
  24,
  'RSS of each instance',
  'MB',
  Array.from({ length: instances }, (_, i) => ({ label: `instance ${i + 1}`, colour: COLOURS[i % 2]!, values: samples.map((s) => s.rssMb[i]!) })),
)}
${panel(PANEL + 64, 'p99 of the reads, each 10 s', 'ms', [
  { label: 'REST and GraphQL reads', colour: '#2ca02c', values: samples.map((s) => s.readP99Ms) },
  ...(samples.every((s) => s.soak) ? [{ label: "the soak's own event-loop delay", colour: '#9467bd', values: samples.map((s) => s.soak!.loopP99Ms) }] : []),
])}
${axis.join('')}<text x="${WIDTH / 2}" y="${2 * PANEL + 104}" text-anchor="middle">minutes</text>
</svg>
`;
}
