/**
 * Figures of the transfer-learning section (issue 11).
 */
import { lineChart, sideBySide, type LineSeries } from '../plot/builders';
import { colorAt } from '../plot/palette';
import type { Figure } from '../plot/types';
import { numberOrNaN } from './architecturesCommon';
import { TRANSFER_CONV_LAYERS, TRANSFER_PAIRS, type TransferPairId, type TransferResults } from './transfer';

/**
 * Target test accuracy vs the number k of frozen pretrained conv layers (mean and 95% CI over seeds), one panel per
 * pair and one colour per target-set size; the controls are flat lines across k: training from scratch (dashed) and
 * a frozen random backbone (dotted).
 */
export function transferSweepFigure(results: TransferResults): Figure {
  const pairs = [...new Set(results.summary.map((r) => r['pair'] as TransferPairId))];
  const sizes = [...new Set(results.summary.map((r) => r['perClass'] as number))].sort((a, b) => a - b);
  const panels = pairs.map((pair) => {
    const series: LineSeries[] = [];
    sizes.forEach((n, i) => {
      const color = colorAt(i);
      const rows = results.summary.filter((r) => r['pair'] === pair && r['perClass'] === n && r['start'] === 'pretrained').sort((a, b) => (a['k'] as number) - (b['k'] as number));
      const ks = rows.map((r) => r['k'] as number);
      if (ks.length === 0) return;
      const hasCi = rows.every((r) => typeof r['lo'] === 'number');
      series.push({
        name: `pretrained, n = ${n}/class`,
        x: ks,
        y: rows.map((r) => numberOrNaN(r['mean'])),
        ...(hasCi ? { lo: rows.map((r) => r['lo'] as number), hi: rows.map((r) => r['hi'] as number) } : {}),
        bounds: [0, 1],
        color,
      });
      const flat = (start: string, name: string, dash: LineSeries['dash']): void => {
        const r = results.summary.find((x) => x['pair'] === pair && x['perClass'] === n && x['start'] === start);
        if (!r) return;
        const m = numberOrNaN(r['mean']);
        series.push({ name, x: [Math.min(...ks), Math.max(...ks)], y: [m, m], color, dash, mode: 'lines' });
      };
      flat('scratch', `from scratch, n = ${n}/class`, 'dash');
      flat('random-frozen', `random conv1..${TRANSFER_CONV_LAYERS} frozen, n = ${n}/class`, 'dot');
    });
    return lineChart({ xTitle: 'k = frozen conv layers (0: fine-tune all, 4: new head only)', yTitle: 'target test accuracy', series });
  });
  return sideBySide(panels, pairs.map((p) => `${TRANSFER_PAIRS[p].label} (${TRANSFER_PAIRS[p].distance})`), {
    title: 'Fine-tuning with the first k conv layers frozen (mean and 95% CI over seeds)',
  });
}

/** Accuracy of a nearest-centroid domain classifier (source-task vs target-task images) on each layer's features. */
export function domainGapFigure(results: TransferResults): Figure {
  const pairs = [...new Set(results.domainGap.map((r) => r['pair'] as TransferPairId))];
  return lineChart({
    title: 'How different do the two image sets look? Domain classifier accuracy per layer (0.5 = indistinguishable)',
    xTitle: 'features of layer (0 = pixels)',
    yTitle: 'domain classifier accuracy',
    series: pairs.map((pair, i) => {
      const rows = results.domainGap.filter((r) => r['pair'] === pair);
      return { name: TRANSFER_PAIRS[pair].label, x: rows.map((r) => r['depth'] as number), y: rows.map((r) => numberOrNaN(r['domainAccuracy'])), color: colorAt(i) };
    }),
  });
}
