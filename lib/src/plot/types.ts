/**
 * The subset of plotly.js figure JSON that netstats builds. Plain data: a Figure can be written as JSON,
 * rendered inline in a notebook, or exported to PNG/SVG/HTML by the same code.
 */
export type AxisType = 'linear' | 'log' | 'category';

export interface Axis {
  title?: { text: string };
  type?: AxisType;
  range?: [number, number];
  dtick?: number;
  tickvals?: number[];
  ticktext?: string[];
  showgrid?: boolean;
  zeroline?: boolean;
  overlaying?: string;
  side?: 'left' | 'right';
  anchor?: string;
  domain?: [number, number];
  autorange?: boolean | 'reversed';
  scaleanchor?: string;
  visible?: boolean;
  matches?: string;
}

export interface Line {
  color?: string;
  width?: number;
  dash?: 'solid' | 'dash' | 'dot' | 'dashdot';
  shape?: 'linear' | 'spline' | 'hv';
}

export interface Marker {
  color?: string | string[];
  size?: number | number[];
  symbol?: string;
  opacity?: number;
  line?: Line;
}

export interface ErrorBar {
  type: 'data';
  array: number[];
  arrayminus?: number[];
  symmetric?: boolean;
  visible: boolean;
}

interface TraceBase {
  name?: string;
  showlegend?: boolean;
  legendgroup?: string;
  xaxis?: string;
  yaxis?: string;
  hovertemplate?: string;
  opacity?: number;
}

export interface ScatterTrace extends TraceBase {
  type: 'scatter';
  mode?: 'lines' | 'markers' | 'lines+markers' | 'text' | 'markers+text';
  x: (number | string)[];
  y: (number | null)[];
  text?: string[];
  line?: Line;
  marker?: Marker;
  fill?: 'none' | 'toself' | 'tonexty' | 'tozeroy';
  fillcolor?: string;
  error_y?: ErrorBar;
}

export interface BarTrace extends TraceBase {
  type: 'bar';
  x: (number | string)[];
  y: number[];
  marker?: Marker;
  error_y?: ErrorBar;
  orientation?: 'v' | 'h';
  text?: string[];
}

export interface HeatmapTrace extends TraceBase {
  type: 'heatmap';
  z: (number | null)[][];
  x?: (number | string)[];
  y?: (number | string)[];
  colorscale?: string | [number, string][];
  zmin?: number;
  zmax?: number;
  zmid?: number;
  showscale?: boolean;
  colorbar?: { title?: { text: string } };
}

export interface HistogramTrace extends TraceBase {
  type: 'histogram';
  x: number[];
  nbinsx?: number;
  xbins?: { start: number; end: number; size: number };
  histnorm?: '' | 'probability' | 'probability density';
  marker?: Marker;
}

/** Raw RGB pixels, z[y][x] = [r, g, b] in 0..255. */
export interface ImageTrace extends TraceBase {
  type: 'image';
  z: number[][][];
}

export type Trace = ScatterTrace | BarTrace | HeatmapTrace | HistogramTrace | ImageTrace;

export interface Annotation {
  text: string;
  x?: number | string;
  y?: number;
  xref?: string;
  yref?: string;
  showarrow?: boolean;
  font?: { size?: number };
}

export interface Shape {
  type: 'line' | 'rect';
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  xref?: string;
  yref?: string;
  line?: Line;
  fillcolor?: string;
  opacity?: number;
}

export interface Layout {
  title?: { text: string };
  width?: number;
  height?: number;
  barmode?: 'group' | 'overlay' | 'stack';
  showlegend?: boolean;
  legend?: { orientation?: 'h' | 'v'; x?: number; y?: number };
  margin?: { l?: number; r?: number; t?: number; b?: number };
  annotations?: Annotation[];
  shapes?: Shape[];
  grid?: { rows: number; columns: number; pattern?: 'independent' | 'coupled' };
  template?: string;
  font?: { size?: number; family?: string };
  [axis: `xaxis${string}`]: Axis | undefined;
  [axis: `yaxis${string}`]: Axis | undefined;
}

export interface Figure {
  data: Trace[];
  layout: Layout;
}
