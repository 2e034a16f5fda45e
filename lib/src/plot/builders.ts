import { colorAt, withAlpha } from './palette';
import type { Axis, BarTrace, Figure, HeatmapTrace, ImageTrace, Layout, ScatterTrace, Shape, Trace } from './types';

/** One line of a line chart; `lo`/`hi` draw a translucent band (e.g. a 95% CI) around it. */
export interface LineSeries {
  name: string;
  x: number[];
  y: number[];
  lo?: number[];
  hi?: number[];
  /**
   * The range the quantity can take (e.g. [0, 1] for an accuracy, [0, Infinity] for a density): the band is
   * clipped to it, since a normal-approximation interval near a boundary can reach past what is possible.
   */
  bounds?: readonly [number, number];
  color?: string;
  dash?: 'solid' | 'dash' | 'dot' | 'dashdot';
  mode?: 'lines' | 'markers' | 'lines+markers';
  /** Draw against the secondary y axis (right side). */
  secondaryY?: boolean;
}

export interface LineChartOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  y2Title?: string;
  xType?: 'linear' | 'log';
  yType?: 'linear' | 'log';
  /** Use log2 tick labels (16, 32, 64...) on a log x axis. */
  log2Ticks?: boolean;
  /** Vertical marker lines, e.g. the argmax of W. */
  vLines?: { x: number; label?: string; color?: string }[];
  width?: number;
  height?: number;
  series: LineSeries[];
}

function checkSameLength(what: string, name: string, n: number, arr: readonly unknown[] | undefined): void {
  if (arr !== undefined && arr.length !== n) {
    throw new Error(`${what}: series '${name}' has ${n} x values but ${arr.length} in another array`);
  }
}

/** `values` clipped into `bounds` (unchanged without bounds); NaN stays NaN so plotly leaves a gap. */
export function clipToBounds(values: readonly number[], bounds: readonly [number, number] | undefined): number[] {
  if (bounds === undefined) return [...values];
  const [min, max] = bounds;
  if (!(min <= max)) throw new Error(`bounds [${min}, ${max}]: the lower bound must not exceed the upper one`);
  return values.map((v) => (Number.isNaN(v) ? v : Math.min(max, Math.max(min, v))));
}

function axisTitle(text: string | undefined): Axis['title'] {
  return text === undefined ? undefined : { text };
}

function log2TickAxis(xs: number[]): Pick<Axis, 'tickvals' | 'ticktext'> {
  const finite = xs.filter((v) => v > 0 && Number.isFinite(v));
  if (finite.length === 0) return {};
  const lo = Math.floor(Math.log2(Math.min(...finite)));
  const hi = Math.ceil(Math.log2(Math.max(...finite)));
  const vals: number[] = [];
  for (let e = lo; e <= hi; e++) vals.push(2 ** e);
  return { tickvals: vals, ticktext: vals.map((v) => String(v)) };
}

/** Lines with optional CI bands, optional secondary y axis and vertical markers. */
export function lineChart(options: LineChartOptions): Figure {
  const data: Trace[] = [];
  options.series.forEach((s, i) => {
    checkSameLength('lineChart', s.name, s.x.length, s.y);
    checkSameLength('lineChart', s.name, s.x.length, s.lo);
    checkSameLength('lineChart', s.name, s.x.length, s.hi);
    const color = s.color ?? colorAt(i);
    const yaxis = s.secondaryY ? 'y2' : 'y';
    if (s.lo !== undefined && s.hi !== undefined) {
      const band: ScatterTrace = {
        type: 'scatter',
        mode: 'lines',
        x: [...s.x, ...[...s.x].reverse()],
        y: [...clipToBounds(s.hi, s.bounds), ...clipToBounds(s.lo, s.bounds).reverse()],
        fill: 'toself',
        fillcolor: withAlpha(color, 0.18),
        line: { width: 0, color },
        name: `${s.name} 95% CI`,
        showlegend: false,
        legendgroup: s.name,
        yaxis,
        hovertemplate: '',
      };
      data.push(band);
    }
    data.push({
      type: 'scatter',
      mode: s.mode ?? 'lines+markers',
      x: s.x,
      y: s.y,
      name: s.name,
      legendgroup: s.name,
      line: { color, width: 2, dash: s.dash ?? 'solid' },
      marker: { color, size: 5 },
      yaxis,
    });
  });
  const allX = options.series.flatMap((s) => s.x);
  const xaxis: Axis = { title: axisTitle(options.xTitle), type: options.xType ?? 'linear' };
  if (options.xType === 'log' && options.log2Ticks) Object.assign(xaxis, log2TickAxis(allX));
  const layout: Layout = {
    title: options.title === undefined ? undefined : { text: options.title },
    xaxis,
    yaxis: { title: axisTitle(options.yTitle), type: options.yType ?? 'linear' },
    width: options.width,
    height: options.height,
    margin: { t: 50 },
  };
  if (options.series.some((s) => s.secondaryY)) {
    layout.yaxis2 = { title: axisTitle(options.y2Title), overlaying: 'y', side: 'right', showgrid: false };
  }
  if (options.vLines && options.vLines.length > 0) {
    layout.shapes = options.vLines.map(
      (v, i): Shape => ({
        type: 'line', x0: v.x, x1: v.x, y0: 0, y1: 1, xref: 'x', yref: 'paper',
        line: { color: v.color ?? colorAt(i + 4), dash: 'dash', width: 1.5 },
      }),
    );
    layout.annotations = options.vLines
      .filter((v) => v.label !== undefined)
      // Plotly places annotations on a log axis in log10 units (shapes take data units).
      .map((v) => ({
        text: v.label as string,
        x: options.xType === 'log' ? Math.log10(v.x) : v.x,
        y: 1.02, xref: 'x', yref: 'paper', showarrow: false,
      }));
  }
  return { data, layout };
}

/** One group of bars (e.g. one optimiser) across the shared categories; lo/hi give asymmetric error bars. */
export interface BarGroup {
  name: string;
  values: number[];
  lo?: number[];
  hi?: number[];
  /** The range the values can take (e.g. [0, 100] for a percentage): error bars are clipped to it. */
  bounds?: readonly [number, number];
  color?: string;
}

export interface BarChartOptions {
  title?: string;
  categories: string[];
  groups: BarGroup[];
  xTitle?: string;
  yTitle?: string;
  yRange?: [number, number];
  width?: number;
  height?: number;
}

/** Grouped bars with CI error bars. */
export function barChart(options: BarChartOptions): Figure {
  const data: BarTrace[] = options.groups.map((g, i) => {
    if (g.values.length !== options.categories.length) {
      throw new Error(`barChart: group '${g.name}' has ${g.values.length} values for ${options.categories.length} categories`);
    }
    const trace: BarTrace = {
      type: 'bar',
      name: g.name,
      x: options.categories,
      y: g.values,
      marker: { color: g.color ?? colorAt(i) },
    };
    if (g.lo !== undefined && g.hi !== undefined) {
      const lo = clipToBounds(g.lo, g.bounds);
      const hi = clipToBounds(g.hi, g.bounds);
      trace.error_y = {
        type: 'data',
        symmetric: false,
        array: g.values.map((v, j) => (hi[j] as number) - v),
        arrayminus: g.values.map((v, j) => v - (lo[j] as number)),
        visible: true,
      };
    }
    return trace;
  });
  return {
    data,
    layout: {
      title: options.title === undefined ? undefined : { text: options.title },
      barmode: 'group',
      xaxis: { title: axisTitle(options.xTitle), type: 'category' },
      yaxis: { title: axisTitle(options.yTitle), range: options.yRange },
      width: options.width,
      height: options.height,
      margin: { t: 50 },
    },
  };
}

export interface HeatmapOptions {
  title?: string;
  z: (number | null)[][];
  x?: (number | string)[];
  y?: (number | string)[];
  xTitle?: string;
  yTitle?: string;
  colorscale?: string;
  zmin?: number;
  zmax?: number;
  zmid?: number;
  colorbarTitle?: string;
  /** Cells to outline (e.g. selected kernels): [row, col] pairs in z's indices. */
  marks?: [number, number][];
  width?: number;
  height?: number;
}

/** A heatmap, rows top to bottom as given; optional outlined cells. */
export function heatmap(options: HeatmapOptions): Figure {
  const trace: HeatmapTrace = {
    type: 'heatmap',
    z: options.z,
    x: options.x,
    y: options.y,
    colorscale: options.colorscale ?? 'Viridis',
    zmin: options.zmin,
    zmax: options.zmax,
    zmid: options.zmid,
    colorbar: options.colorbarTitle === undefined ? undefined : { title: { text: options.colorbarTitle } },
  };
  const shapes: Shape[] = (options.marks ?? []).map(([r, c]) => ({
    type: 'rect', x0: c - 0.5, x1: c + 0.5, y0: r - 0.5, y1: r + 0.5, xref: 'x', yref: 'y',
    line: { color: '#ff0000', width: 1.5 },
  }));
  // Marks use cell indices, so the axes must be index-based when marks are drawn.
  if (shapes.length > 0) {
    delete trace.x;
    delete trace.y;
  }
  return {
    data: [trace],
    layout: {
      title: options.title === undefined ? undefined : { text: options.title },
      xaxis: { title: axisTitle(options.xTitle) },
      yaxis: { title: axisTitle(options.yTitle), autorange: 'reversed' },
      shapes: shapes.length > 0 ? shapes : undefined,
      width: options.width,
      height: options.height,
      margin: { t: 50 },
    },
  };
}

export interface HistogramSeries {
  name: string;
  values: ArrayLike<number>;
  color?: string;
}

export interface HistogramOptions {
  title?: string;
  series: HistogramSeries[];
  bins: number;
  /** Shared bin range; default: min..max over all series. */
  range?: [number, number];
  /** 'density' integrates to 1 per series (comparable across sizes); 'count' is raw. */
  norm?: 'density' | 'count';
  xTitle?: string;
  yTitle?: string;
  width?: number;
  height?: number;
}

/** Binned counts on shared edges; returns edges (bins + 1) and one count array per input. */
export function sharedHistogram(
  series: ArrayLike<number>[],
  bins: number,
  range?: [number, number],
): { edges: number[]; counts: number[][] } {
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`sharedHistogram: bins must be a positive integer, got ${bins}`);
  let lo = Infinity;
  let hi = -Infinity;
  if (range) {
    [lo, hi] = range;
  } else {
    for (const s of series) {
      for (let i = 0; i < s.length; i++) {
        const v = s[i] as number;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error('sharedHistogram: no finite values to bin');
  if (hi === lo) hi = lo + 1;
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const counts = series.map((s) => {
    const c = new Array<number>(bins).fill(0);
    for (let i = 0; i < s.length; i++) {
      const v = s[i] as number;
      if (!(v >= lo && v <= hi)) continue;
      const b = Math.min(bins - 1, Math.floor((v - lo) / width));
      c[b] = (c[b] as number) + 1;
    }
    return c;
  });
  return { edges, counts };
}

/** Overlaid histograms on shared edges, drawn as translucent bars (precomputed: figures stay small). */
export function histogram(options: HistogramOptions): Figure {
  const { edges, counts } = sharedHistogram(options.series.map((s) => s.values), options.bins, options.range);
  const width = (edges[1] as number) - (edges[0] as number);
  const centers = edges.slice(0, -1).map((e) => e + width / 2);
  const data: BarTrace[] = options.series.map((s, i) => {
    const c = counts[i] as number[];
    const total = c.reduce((a, b) => a + b, 0);
    const y = options.norm === 'count' ? c : c.map((v) => (total > 0 ? v / (total * width) : 0));
    return { type: 'bar', name: s.name, x: centers, y, opacity: 0.55, marker: { color: s.color ?? colorAt(i) } };
  });
  return {
    data,
    layout: {
      title: options.title === undefined ? undefined : { text: options.title },
      barmode: 'overlay',
      xaxis: { title: axisTitle(options.xTitle) },
      yaxis: { title: axisTitle(options.yTitle ?? (options.norm === 'count' ? 'count' : 'density')) },
      width: options.width,
      height: options.height,
      margin: { t: 50 },
    },
  };
}

/** One picture for an image grid: uint8 pixels, HWC, 1 or 3 channels. */
export interface GridImage {
  pixels: ArrayLike<number>;
  width: number;
  height: number;
  channels: number;
  label?: string;
}

/** A grid of small images (e.g. samples per class), `columns` per row, labels as subplot titles. */
export function imageGrid(images: GridImage[], options: { columns: number; title?: string; cellSize?: number }): Figure {
  if (images.length === 0) throw new Error('imageGrid: no images given');
  const columns = Math.max(1, Math.min(options.columns, images.length));
  const rows = Math.ceil(images.length / columns);
  const cell = options.cellSize ?? 72;
  const data: ImageTrace[] = [];
  const layout: Layout = {
    title: options.title === undefined ? undefined : { text: options.title },
    width: columns * cell + 40,
    height: rows * (cell + 14) + (options.title ? 60 : 20),
    margin: { l: 10, r: 10, t: options.title ? 50 : 10, b: 10 },
    showlegend: false,
    annotations: [],
  };
  const gap = 0.01;
  images.forEach((img, k) => {
    if (img.channels !== 1 && img.channels !== 3) {
      throw new Error(`imageGrid: image ${k} has ${img.channels} channels; expected 1 or 3`);
    }
    if (img.pixels.length !== img.width * img.height * img.channels) {
      throw new Error(`imageGrid: image ${k} has ${img.pixels.length} values; expected ${img.width}x${img.height}x${img.channels}`);
    }
    const z: number[][][] = [];
    for (let y = 0; y < img.height; y++) {
      const row: number[][] = [];
      for (let x = 0; x < img.width; x++) {
        const o = (y * img.width + x) * img.channels;
        const r = img.pixels[o] as number;
        row.push(img.channels === 1 ? [r, r, r] : [r, img.pixels[o + 1] as number, img.pixels[o + 2] as number]);
      }
      z.push(row);
    }
    const id = k === 0 ? '' : String(k + 1);
    const r = Math.floor(k / columns);
    const c = k % columns;
    data.push({ type: 'image', z, xaxis: `x${id}`, yaxis: `y${id}`, name: img.label ?? '' });
    const x0 = c / columns + gap;
    const x1 = (c + 1) / columns - gap;
    const y1 = 1 - r / rows - 0.04 / rows;
    const y0 = 1 - (r + 1) / rows + gap;
    layout[`xaxis${id}`] = { domain: [x0, x1], visible: false, anchor: `y${id}` };
    layout[`yaxis${id}`] = { domain: [y0, y1], visible: false, anchor: `x${id}`, autorange: 'reversed', scaleanchor: `x${id}` };
    if (img.label !== undefined) {
      layout.annotations?.push({ text: img.label, x: (x0 + x1) / 2, y: y1 + 0.01, xref: 'paper', yref: 'paper', showarrow: false, font: { size: 9 } });
    }
  });
  return { data, layout };
}

/**
 * Places figures side by side (1 x k subplots), e.g. MNIST | Fashion-MNIST. Each input's x/y/y2 axes are
 * renamed to its own subplot's axes; titles become subplot headings. Legends of later panels are hidden
 * when they repeat the first panel's names.
 */
export function sideBySide(figures: Figure[], titles: string[], options: { title?: string; width?: number; height?: number } = {}): Figure {
  if (figures.length === 0) throw new Error('sideBySide: no figures');
  if (titles.length !== figures.length) throw new Error(`sideBySide: ${figures.length} figures but ${titles.length} titles`);
  const k = figures.length;
  // A right-hand axis needs room for its tick labels and title before the next panel starts.
  const anyY2 = figures.some((f) => f.data.some((t) => t.yaxis === 'y2'));
  const gap = anyY2 ? 0.16 : 0.07;
  const data: Trace[] = [];
  const layout: Layout = {
    title: options.title === undefined ? undefined : { text: options.title },
    width: options.width ?? (anyY2 ? 600 : 480) * k + 80,
    height: options.height ?? 480,
    margin: { t: 90, b: 110 },
    legend: { orientation: 'h', x: 0, y: -0.2 },
    annotations: [],
    shapes: [],
    barmode: figures[0]?.layout.barmode,
  };
  let nextY = 1;
  const seenNames = new Set<string>();
  figures.forEach((fig, i) => {
    const xId = i === 0 ? '' : String(i + 1);
    const yMap = new Map<string, string>();
    const newY = (old: string): string => {
      const existing = yMap.get(old);
      if (existing !== undefined) return existing;
      const id = nextY === 1 ? '' : String(nextY);
      nextY++;
      yMap.set(old, id);
      return id;
    };
    const yMain = newY('y');
    const hasY2 = fig.data.some((t) => t.yaxis === 'y2');
    const yTwo = hasY2 ? newY('y2') : '';
    const x0 = i / k + (i === 0 ? 0 : gap / 2);
    const x1 = (i + 1) / k - (i === k - 1 ? 0 : gap / 2);
    const srcX = fig.layout.xaxis ?? {};
    const srcY = fig.layout.yaxis ?? {};
    layout[`xaxis${xId}`] = { ...srcX, domain: [x0, x1], anchor: `y${yMain}` };
    layout[`yaxis${yMain}`] = { ...srcY, anchor: `x${xId}` };
    if (hasY2) {
      layout[`yaxis${yTwo}`] = { ...(fig.layout.yaxis2 ?? {}), overlaying: `y${yMain}`, side: 'right', anchor: `x${xId}` };
    }
    for (const t of fig.data) {
      const copy = { ...t, xaxis: `x${xId}`, yaxis: `y${t.yaxis === 'y2' ? yTwo : yMain}` } as Trace;
      if (copy.name !== undefined && copy.showlegend !== false) {
        if (seenNames.has(copy.name)) copy.showlegend = false;
        else seenNames.add(copy.name);
      }
      data.push(copy);
    }
    layout.annotations?.push({ text: `<b>${titles[i] as string}</b>`, x: (x0 + x1) / 2, y: 1.06, xref: 'paper', yref: 'paper', showarrow: false });
    for (const s of fig.layout.shapes ?? []) {
      layout.shapes?.push({ ...s, xref: s.xref === 'paper' ? 'paper' : `x${xId}`, yref: s.yref === 'paper' ? 'paper' : `y${yMain}` });
    }
    for (const a of fig.layout.annotations ?? []) {
      layout.annotations?.push({ ...a, xref: a.xref === 'paper' ? 'paper' : `x${xId}`, yref: a.yref === 'paper' ? 'paper' : `y${yMain}` });
    }
  });
  return { data, layout };
}
