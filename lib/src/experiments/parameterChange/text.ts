/** The text of notebook 02 that states numbers, generated from the verdict (never typed in by hand). */
import { verdictMarkdown } from '../../report/verdict';
import { compact, percent, pValue } from '../../util/format';
import type { MeanCI } from '../../stats/intervals';
import type { ParameterChangeConfig, PcArchitecture } from './config';
import { NO_BN_LR_SWEEP, SEED_RECIPES, STANDARD_LR_SWEEP, TUNED_OPTIMIZERS } from './config';
import { PARAMETER_CHANGE_CLAIMS, type PcCell, type PcClaim, type ParameterChangeVerdict } from './verdict';
import type { OptimizerConfig } from '../../train/optimizers';

const ARCH: Record<PcArchitecture, string> = { lenet5: 'LeNet-5', vgg: 'VGG', resnet18: 'ResNet' };


/** "62.0% [58.1%, 65.9%], n = 5 (t 95%)" — an interval always with its n. */
export function intervalText(i: MeanCI, format: (v: number) => string = percent): string {
  if (i.n === 0) return 'no converged models (n = 0)';
  if (!Number.isFinite(i.lo) || !Number.isFinite(i.hi)) return `${format(i.mean)} (n = ${i.n}, no interval)`;
  return `${format(i.mean)} [${format(i.lo)}, ${format(i.hi)}], n = ${i.n} (${i.method})`;
}

function cellLabel(c: PcCell): string {
  return `${ARCH[c.architecture]} ${c.dataset} ${c.optimizer}${c.recipe === 'seed' ? ' (seed recipe)' : ''}`;
}

function claimEvidence(claim: PcClaim, share: 'unchanged' | 'changed'): string {
  const parts = claim.cells.map((c) => {
    const v = share === 'unchanged' ? c.value : { ...c.value, mean: 1 - c.value.mean, lo: 1 - c.value.hi, hi: 1 - c.value.lo };
    return `${cellLabel(c)} ${intervalText(v)} → ${c.status} (Holm p ${pValue(c.pHolm)})`;
  });
  return `${share} share per group: ${parts.join('; ')}; Holm–Bonferroni over k = ${claim.k} group(s)`;
}

function optimizerText(o: OptimizerConfig): string {
  return o.kind === 'sgd' ? `SGD lr ${o.lr} momentum ${o.momentum ?? 0}` : `Adam lr ${o.lr} eps ${o.eps ?? 1e-8}`;
}

/** The verdict lines of notebook 02 (Markdown bullets by the project's rules). */
export function parameterChangeVerdictMarkdown(v: ParameterChangeVerdict): string {
  const h = `|θ − θ₀| ≤ ${compact(v.headline.atol)} + ${compact(v.headline.rtol)}·|θ₀|`;
  const lines: string[] = [];
  lines.push(`Unchanged = ${h}, over the trainable elements that do not start at 0 (biases and BN β start at 0 and are reported ` +
    `separately). Compared snapshot: ${v.compare === 'best' ? 'best validation accuracy, as the seed kept' : 'the last epoch'}. ` +
    `${v.models} models trained; ${v.excludedModels} below their convergence criterion (or diverged) are left out.`);
  lines.push('');
  lines.push(verdictMarkdown({
    claim: PARAMETER_CHANGE_CLAIMS.resnet, status: v.resnetUnchanged.status, evidence: claimEvidence(v.resnetUnchanged, 'unchanged'),
    control: 'threshold 60% unchanged, from the claim', scale: v.scale, excludedModels: v.resnetUnchanged.excludedModels,
  }));
  lines.push(verdictMarkdown({
    claim: PARAMETER_CHANGE_CLAIMS.lenetVgg, status: v.lenetVggChanged.status, evidence: claimEvidence(v.lenetVggChanged, 'changed'),
    control: 'threshold 90% changed, from the claim (same Holm family as the ResNet groups)', scale: v.scale, excludedModels: v.lenetVggChanged.excludedModels,
  }));
  if (v.seedRecipe !== null) {
    lines.push(verdictMarkdown({
      claim: v.seedRecipe.cells.every((c) => c.architecture === 'resnet18')
        ? `${PARAMETER_CHANGE_CLAIMS.resnet} (with the seed's own ResNet optimiser)`
        : `${PARAMETER_CHANGE_CLAIMS.resnet}, and ${PARAMETER_CHANGE_CLAIMS.lenetVgg} (with the seed's own optimisers)`,
      status: v.seedRecipe.status,
      evidence: `unchanged share per group: ${v.seedRecipe.cells.map((c) => `${cellLabel(c)} ${intervalText(c.value)} → ${c.status} (Holm p ${pValue(c.pHolm)})`).join('; ')}; k = ${v.seedRecipe.k}`,
      control: 'thresholds 60% unchanged (ResNet) and 10% unchanged (LeNet, VGG)', scale: v.scale, excludedModels: v.seedRecipe.excludedModels,
    }));
  }
  const w = v.window;
  lines.push(`- Under which tolerance? Every converged ResNet keeps ≥ 60% unchanged from rtol ${w.resnetRtolNeeded === null ? '(never on the grid)' : `≥ ${compact(w.resnetRtolNeeded)}`}; ` +
    `every converged LeNet and VGG still has ≥ 90% changed up to rtol ${w.lenetVggRtolAllowed === null ? '(not even the smallest)' : `≤ ${compact(w.lenetVggRtolAllowed)}`}: ` +
    (w.window === null ? 'no single relative tolerance makes the claim true for every model.' : `the claim holds for every model only for rtol in [${compact(w.window[0])}, ${compact(w.window[1])}].`));
  if (v.batchNorm !== null) {
    const b = v.batchNorm;
    lines.push(verdictMarkdown({
      claim: PARAMETER_CHANGE_CLAIMS.bn, status: b.status,
      evidence: `paired difference (with BN − without, same seed) in the unchanged share: ${b.effects.map((e) => `${e.label} ${intervalText(e.value, (x) => `${(100 * x).toFixed(1)} points`)} → ${e.status} (Holm p ${pValue(e.pHolm)})`).join('; ')}` +
        (b.interaction === null ? '' : `; does it depend on the optimiser? ${b.interaction.label} = ${intervalText(b.interaction.difference, (x) => `${(100 * x).toFixed(1)} points`)}, Welch p ${pValue(b.interaction.p)}`),
      control: 'the same ResNet without BatchNorm (paired by seed); threshold 0', scale: v.scale, excludedModels: b.excludedModels,
    }));
  }
  if (v.width !== null) {
    const x = v.width;
    lines.push(verdictMarkdown({
      claim: PARAMETER_CHANGE_CLAIMS.lazy, status: x.status,
      evidence: `slope of log ‖θ−θ₀‖/‖θ₀‖ on log width (widths ${x.widths.join(', ')}), one curve per seed: ${x.effects.map((e) => `${e.label} ${intervalText(e.value, compact)} → ${e.status}`).join('; ')}`,
      control: 'slope 0 (no change with width); lazy training predicts a negative slope', scale: v.scale, excludedModels: x.excludedModels,
    }));
  }
  const s = v.sgdVsAdam;
  if (s.effects.length > 0) {
    const resnet = s.effects.filter((e) => e.architecture === 'resnet18');
    const others = s.effects.filter((e) => e.architecture !== 'resnet18');
    lines.push(verdictMarkdown({
      claim: PARAMETER_CHANGE_CLAIMS.sgd, status: s.status,
      evidence: `log(‖θ−θ₀‖ Adam / ‖θ−θ₀‖ SGD) per seed (same init and data order): ${resnet.map((e) => `${e.label} ${intervalText(e.value, compact)} → ${e.status} (Holm p ${pValue(e.pHolm)})`).join('; ')}` +
        `; the smaller nets for contrast: ${others.map((e) => `${e.label} ${intervalText(e.value, compact)}`).join('; ')}` +
        `; does it depend on the net? ${s.interactions.map((i) => `${i.label} ${intervalText(i.difference, compact)} (Holm p ${pValue(i.pHolm)})`).join('; ')}`,
      control: 'log ratio 0 (both optimisers equally far); our ResNet is slim, so "huge" is not tested', scale: v.scale, excludedModels: s.excludedModels,
    }));
  }
  return lines.join('\n');
}

/** One row per way the `standard` protocol differs from the seed's, with the reason (the notebook's protocol table). */
export type ProtocolRow = { aspect: string; seed: string; standard: string; why: string };

export function parameterChangeProtocolTable(config: ParameterChangeConfig): ProtocolRow[] {
  const m = config.models;
  const noBnSweep = NO_BN_LR_SWEEP.map((p) => `${p.optimizer} ${p.lr}: ${percent(p.bestValAccuracy)}`).join(', ');
  const sweep = STANDARD_LR_SWEEP.length === 0 ? 'see TUNED_OPTIMIZERS' : STANDARD_LR_SWEEP.map((p) => `${p.architecture} ${p.optimizer} ${p.lr}: ${percent(p.bestValAccuracy)}`).join(', ');
  return [
    { aspect: 'nets', seed: 'LeNet-5, VGG-19 (64 channels), ResNet-18 (64 channels)', standard: `LeNet-5; VGG-style width ${m.vgg.width} stages [${m.vgg.blocks}] no BN; ResNet-style width ${m.resnet18.width} blocks [${m.resnet18.blocks}] with BN`, why: 'VGG-19 and ResNet-18 at width 64 take CPU-days for this grid; the slim nets keep the layouts (VGG without BN, ResNet with BN and skips) at ≈ 75k parameters each' },
    { aspect: 'data', seed: 'full training sets, 20 epochs', standard: `${config.datasets.map((d) => { const t = config.perDataset[d]; const n = t === undefined ? config.data.trainExamples : t.trainExamples; return `${d} ${n === null ? 'all' : n.toLocaleString('en-US')} images × ${t === undefined ? config.training.epochs : t.epochs} epochs`; }).join(', ')}${config.training.lrSchedule === 'cosine' ? ', the lr on a cosine decay' : ''}; ${config.data.validationCount} validation images, ${config.data.testExamples ?? 'all'} test images`, why: 'what fits 60 minutes; with 10,000 images × 5 epochs at a constant lr a third of the first run\'s models ended below their criterion, still improving; each dataset gets what its models need (groups are never pooled across datasets)' },
    { aspect: 'convergence', seed: 'none stated', standard: config.criteria === null ? 'none' : `test accuracy ≥ ${(['mnist', 'fashion-mnist', 'cifar10'] as const).map((d) => `${d} ${percent(config.criteria?.lenet5[d] ?? NaN)}`).join(', ')} (every net)`, why: 'fixed before the standard run: clearly above a linear classifier and near public one-epoch results of sane recipes (50,000 examples seen ≈ one epoch); models below are left out of the verdicts' },
    { aspect: 'optimisers', seed: 'lr 0.005 for every net: LeNet SGD (momentum 0.9), VGG Adam (eps 0.1) or SGD, ResNet-18 Adam', standard: (['lenet5', 'vgg', 'resnet18'] as const).map((a) => `${ARCH[a]}: ${optimizerText(TUNED_OPTIMIZERS[a].sgd)}, ${optimizerText(TUNED_OPTIMIZERS[a].adam)}`).join('; ') + (config.noBatchNormOptimizers === null ? '' : `; ResNet without BN: ${optimizerText(config.noBatchNormOptimizers.sgd)}, ${optimizerText(config.noBatchNormOptimizers.adam)}`), why: `a shared lr measures the lr, not the optimiser; each lr from a sweep on CIFAR-10 (${sweep}${config.noBatchNormOptimizers === null ? '' : `; ResNet without BN: ${noBnSweep}`})` },
    { aspect: "seed's settings", seed: (['lenet5', 'vgg', 'resnet18'] as const).map((a) => `${ARCH[a]} ${optimizerText(SEED_RECIPES[a].settings)}`).join('; '), standard: config.seedRecipeTest === null ? 'not run' : `${config.seedRecipeTest.architectures.map((a) => ARCH[a]).join(', ')} with its own setting, a labelled variant on ${config.seedRecipeTest.datasets.join(', ')} with ${config.seedRecipeTest.seeds.length} seeds`, why: "the seed's claim was made with these settings; the ResNet's (Adam lr 0.005) is the one behind \"> 60% unchanged\"; LeNet's and VGG's would not fit the hour" },
    { aspect: 'inits', seed: 'kaiming-uniform and kaiming-normal', standard: config.inits.join(', '), why: 'one init halves the grid; the second init is a further ×2 that does not fit the hour' },
    { aspect: 'seeds', seed: '1 per setting', standard: `${config.seeds.length} per group (${config.seeds.join(', ')})`, why: 'an interval per group needs n ≥ 5 independently trained models' },
    { aspect: 'BN test', seed: 'none', standard: config.batchNormTest === null ? 'off' : `ResNet without BN on ${config.batchNormTest.datasets.join(', ')}, ${config.batchNormTest.optimizers.join(' and ')}, paired by seed${config.noBatchNormOptimizers === null ? '' : ', the no-BN net at its own lr'}`, why: `tests the BN explanation directly; one dataset to fit the hour${config.batchNormTest !== null && !config.batchNormTest.optimizers.includes('sgd') ? `; no SGD pair: without BN the ResNet reached at most ${percent(Math.max(...NO_BN_LR_SWEEP.filter((p) => p.optimizer === 'sgd').map((p) => p.bestValAccuracy)))} with SGD at any lr of its sweep, below the criterion` : ''}` },
    { aspect: 'width test', seed: 'none', standard: config.widthTest === null ? 'off' : `ResNet widths ${[...new Set([...config.widthTest.widths, m.resnet18.width as number])].sort((a, b) => a - b).join(', ')} on ${config.widthTest.datasets.join(', ')} with ${config.widthTest.optimizers.join(', ')}`, why: 'tests the lazy-training explanation; one dataset and optimiser to fit the hour' },
    { aspect: 'unchanged', seed: 'tolerance never stated', standard: `|θ−θ₀| ≤ ${config.tolerance.headline.atol} + ${config.tolerance.headline.rtol}·|θ₀| on elements not starting at 0; curves over rtol and atol`, why: 'a relative tolerance is meaningless for biases and BN β that start at 0: those are reported separately with an absolute tolerance' },
  ];
}
