/**
 * A log–log line chart as a standalone SVG document, written by hand (no chart library): decade grid
 * lines, one polyline with markers per series, a legend. Enough for "cost against scale" pictures.
 */

export interface Series {
  label: string;
  color: string;
  /** Points with x > 0 and y > 0 (log scales); others are left out. */
  points: { x: number; y: number }[];
  dashed?: boolean;
}

export interface LogLogChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** How a tick value reads on each axis. */
  formatX?: (value: number) => string;
  formatY?: (value: number) => string;
}

const WIDTH = 720;
const HEIGHT = 440;
const MARGIN = { top: 48, right: 200, bottom: 64, left: 84 };

const escapeXml = (text: string): string => text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);

const decadeRange = (values: number[]): [number, number] => {
  const low = Math.floor(Math.log10(Math.min(...values)));
  const high = Math.ceil(Math.log10(Math.max(...values)));
  return [low, high === low ? low + 1 : high];
};

const defaultFormat = (value: number): string => {
  if (value >= 1_000_000) return `${value / 1_000_000}M`;
  if (value >= 1000) return `${value / 1000}k`;
  return String(value);
};

/** Milliseconds on an axis: 0.1 ms, 1 ms, 10 ms, 1 s, 10 s. */
export const formatMsTick = (ms: number): string => {
  if (ms >= 1000) return `${ms / 1000} s`;
  return `${ms < 1 ? ms.toPrecision(1) : ms} ms`;
};

export const logLogChart = (chart: LogLogChart): string => {
  const series = chart.series.map((line) => ({
    ...line,
    points: line.points.filter((point) => point.x > 0 && point.y > 0 && Number.isFinite(point.y)),
  }));
  const xs = series.flatMap((line) => line.points.map((point) => point.x));
  const ys = series.flatMap((line) => line.points.map((point) => point.y));
  if (xs.length === 0) throw new Error(`chart "${chart.title}" has no points`);
  const [xLow, xHigh] = decadeRange(xs);
  const [yLow, yHigh] = decadeRange(ys);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const px = (x: number) => MARGIN.left + ((Math.log10(x) - xLow) / (xHigh - xLow)) * plotWidth;
  const py = (y: number) => MARGIN.top + plotHeight - ((Math.log10(y) - yLow) / (yHigh - yLow)) * plotHeight;
  const formatX = chart.formatX ?? defaultFormat;
  const formatY = chart.formatY ?? defaultFormat;
  const fixed = (value: number) => value.toFixed(1);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2 - MARGIN.right / 2 + MARGIN.left / 2}" y="26" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`,
  );
  // Grid: a line and a label at each decade, faint lines at 2..9 of each decade.
  for (let decade = xLow; decade <= xHigh; decade++) {
    const x = px(10 ** decade);
    parts.push(
      `<line x1="${fixed(x)}" y1="${MARGIN.top}" x2="${fixed(x)}" y2="${MARGIN.top + plotHeight}" stroke="#cccccc"/>`,
      `<text x="${fixed(x)}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle">${escapeXml(formatX(10 ** decade))}</text>`,
    );
    for (let step = 2; step < 10 && decade < xHigh; step++) {
      const minor = px(step * 10 ** decade);
      parts.push(
        `<line x1="${fixed(minor)}" y1="${MARGIN.top}" x2="${fixed(minor)}" y2="${MARGIN.top + plotHeight}" stroke="#f0f0f0"/>`,
      );
    }
  }
  for (let decade = yLow; decade <= yHigh; decade++) {
    const y = py(10 ** decade);
    parts.push(
      `<line x1="${MARGIN.left}" y1="${fixed(y)}" x2="${MARGIN.left + plotWidth}" y2="${fixed(y)}" stroke="#cccccc"/>`,
      `<text x="${MARGIN.left - 8}" y="${fixed(y + 4)}" text-anchor="end">${escapeXml(formatY(10 ** decade))}</text>`,
    );
    for (let step = 2; step < 10 && decade < yHigh; step++) {
      const minor = py(step * 10 ** decade);
      parts.push(
        `<line x1="${MARGIN.left}" y1="${fixed(minor)}" x2="${MARGIN.left + plotWidth}" y2="${fixed(minor)}" stroke="#f0f0f0"/>`,
      );
    }
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333333"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 18}" text-anchor="middle">${escapeXml(chart.xLabel)} (log scale)</text>`,
    `<text transform="translate(22 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)} (log scale)</text>`,
  );
  series.forEach((line, index) => {
    const coordinates = line.points.map((point) => `${fixed(px(point.x))},${fixed(py(point.y))}`);
    const dash = line.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<polyline points="${coordinates.join(' ')}" fill="none" stroke="${line.color}" stroke-width="2.5"${dash}/>`,
    );
    for (const point of line.points) {
      parts.push(
        `<circle cx="${fixed(px(point.x))}" cy="${fixed(py(point.y))}" r="4" fill="${line.color}"><title>${escapeXml(`${line.label}: ${formatX(point.x)} → ${formatY(point.y)}`)}</title></circle>`,
      );
    }
    const legendY = MARGIN.top + 12 + index * 22;
    const legendX = MARGIN.left + plotWidth + 16;
    parts.push(
      `<line x1="${legendX}" y1="${legendY}" x2="${legendX + 24}" y2="${legendY}" stroke="${line.color}" stroke-width="2.5"${dash}/>`,
      `<text x="${legendX + 30}" y="${legendY + 4}">${escapeXml(line.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
};
