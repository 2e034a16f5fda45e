import { strict as assert } from 'assert';
import { barChart, heatmap, histogram, lineChart, sharedHistogram, sideBySide, imageGrid } from '../../lib/src/plot/builders';
import { figureSnippet, scriptSafeJson, standaloneHtml } from '../../lib/src/plot/html';
import type { ScatterTrace, BarTrace } from '../../lib/src/plot/types';

describe('plot/builders', () => {
  it('lineChart draws a closed CI band around each line and a secondary axis when asked', () => {
    const fig = lineChart({
      series: [
        { name: 'acc', x: [1, 2, 3], y: [0.5, 0.6, 0.7], lo: [0.4, 0.5, 0.6], hi: [0.6, 0.7, 0.8] },
        { name: 'W', x: [1, 2, 3], y: [0.9, 0.95, 0.93], secondaryY: true },
      ],
      xType: 'log',
      log2Ticks: true,
    });
    assert.equal(fig.data.length, 3);
    const band = fig.data[0] as ScatterTrace;
    assert.equal(band.fill, 'toself');
    assert.deepEqual(band.x, [1, 2, 3, 3, 2, 1]);
    assert.deepEqual(band.y, [0.6, 0.7, 0.8, 0.6, 0.5, 0.4]);
    assert.equal((fig.data[2] as ScatterTrace).yaxis, 'y2');
    assert.equal(fig.layout.yaxis2?.overlaying, 'y');
    assert.deepEqual(fig.layout.xaxis?.tickvals, [1, 2, 4]);
  });

  it('places vertical-line labels in log10 units on a log axis (plotly annotation convention)', () => {
    const fig = lineChart({ xType: 'log', vLines: [{ x: 256, label: 'peak' }], series: [{ name: 'a', x: [16, 256], y: [1, 2] }] });
    assert.equal(fig.layout.shapes?.[0]?.x0, 256);
    assert.ok(Math.abs((fig.layout.annotations?.[0]?.x as number) - Math.log10(256)) < 1e-12);
    const lin = lineChart({ vLines: [{ x: 3, label: 'p' }], series: [{ name: 'a', x: [1, 4], y: [1, 2] }] });
    assert.equal(lin.layout.annotations?.[0]?.x, 3);
  });

  it('rejects series whose arrays differ in length, naming the series', () => {
    assert.throws(() => lineChart({ series: [{ name: 'bad', x: [1, 2], y: [1] }] }), /series 'bad'/);
    assert.throws(() => barChart({ categories: ['a', 'b'], groups: [{ name: 'g', values: [1] }] }), /group 'g' has 1 values for 2/);
  });

  it('barChart turns CI bounds into asymmetric error bars', () => {
    const fig = barChart({ categories: ['a', 'b'], groups: [{ name: 'g', values: [10, 20], lo: [8, 15], hi: [13, 21] }] });
    const bar = fig.data[0] as BarTrace;
    assert.deepEqual(bar.error_y?.array, [3, 1]);
    assert.deepEqual(bar.error_y?.arrayminus, [2, 5]);
  });

  it('clips CI bands and error bars to the quantity\'s bounds, keeping NaN gaps', () => {
    const fig = lineChart({
      series: [{ name: 'density', x: [0, 1, 2], y: [0.02, 0.5, 0.01], lo: [-0.03, 0.3, NaN], hi: [0.07, 0.7, 0.05], bounds: [0, Infinity] }],
    });
    const band = fig.data[0] as ScatterTrace;
    // hi forwards, then lo backwards: the negative lower end of x=0 becomes 0, the NaN stays a gap
    assert.deepEqual(band.y.slice(0, 3), [0.07, 0.7, 0.05]);
    assert.ok(Number.isNaN(band.y[3] as number));
    assert.deepEqual(band.y.slice(4), [0.3, 0]);
    const bars = barChart({ categories: ['a', 'b'], groups: [{ name: 'acc', values: [0.98, 0.5], lo: [0.9, 0.4], hi: [1.04, 0.6], bounds: [0, 1] }] });
    const err = (bars.data[0] as BarTrace).error_y;
    assert.ok(Math.abs((err?.array[0] as number) - 0.02) < 1e-12, `upper error ${err?.array[0]}`);
    assert.ok(Math.abs((err?.arrayminus?.[0] as number) - 0.08) < 1e-12);
    assert.throws(() => lineChart({ series: [{ name: 'b', x: [1], y: [1], lo: [0], hi: [2], bounds: [1, 0] }] }), /lower bound/);
  });

  it('sharedHistogram bins on shared edges, the maximum falling in the last bin', () => {
    const { edges, counts } = sharedHistogram([[0, 1, 2, 3, 4], [4, 4]], 4);
    assert.deepEqual(edges, [0, 1, 2, 3, 4]);
    assert.deepEqual(counts, [[1, 1, 1, 2], [0, 0, 0, 2]]);
    const fig = histogram({ series: [{ name: 'a', values: [0, 1, 2, 3, 4] }], bins: 4 });
    const area = (fig.data[0] as BarTrace).y.reduce((s, v) => s + v, 0) * 1;
    assert.ok(Math.abs(area - 1) < 1e-12, `density integrates to ${area}`);
  });

  it('heatmap marks are index-based rectangles', () => {
    const fig = heatmap({ z: [[1, 2], [3, 4]], x: ['a', 'b'], marks: [[1, 0]] });
    assert.equal(fig.layout.shapes?.length, 1);
    assert.deepEqual([fig.layout.shapes?.[0]?.x0, fig.layout.shapes?.[0]?.y0], [-0.5, 0.5]);
  });

  it('sideBySide gives every panel its own axes and hides repeated legend entries', () => {
    const a = lineChart({ series: [{ name: 's', x: [1], y: [1] }, { name: 't', x: [1], y: [2], secondaryY: true }] });
    const b = lineChart({ series: [{ name: 's', x: [1], y: [3] }, { name: 't', x: [1], y: [4], secondaryY: true }] });
    const fig = sideBySide([a, b], ['MNIST', 'Fashion-MNIST']);
    const axes = fig.data.map((t) => `${t.xaxis}/${t.yaxis}`);
    assert.deepEqual(axes, ['x/y', 'x/y2', 'x2/y3', 'x2/y4']);
    assert.equal(fig.layout.yaxis2?.overlaying, 'y');
    assert.equal(fig.layout.yaxis4?.overlaying, 'y3');
    assert.deepEqual(fig.data.map((t) => t.showlegend), [undefined, undefined, false, false]);
  });

  it('imageGrid checks pixel counts', () => {
    const ok = imageGrid([{ pixels: new Uint8Array(4), width: 2, height: 2, channels: 1, label: 'x' }], { columns: 4 });
    assert.equal(ok.data.length, 1);
    assert.throws(() => imageGrid([{ pixels: new Uint8Array(3), width: 2, height: 2, channels: 1 }], { columns: 1 }), /3 values; expected 2x2x1/);
  });
});

describe('plot/html', () => {
  it('keeps figure JSON from closing its script element', () => {
    const fig = lineChart({ title: '</script><b>', series: [{ name: 'x', x: [1], y: [1] }] });
    assert.ok(!scriptSafeJson(fig).includes('</script>'));
    assert.ok(!figureSnippet(fig, 'd').includes('</script><b>'));
    assert.match(standaloneHtml(fig, 'a<b', '../plotly.min.js'), /<title>a&lt;b<\/title>/);
  });
});
