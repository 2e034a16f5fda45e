// Public face of lib/src/stats: re-exports only. Internal helpers (input checks, fast paths on checked arrays,
// exact KS lattice counts) stay unexported so that names across @netstats/lib areas do not collide.
export type { Sample, Matrix, DenseMatrix } from './validate';
export {
  logGamma,
  logBeta,
  incompleteBetaTails,
  regularizedIncompleteBeta,
  erfc,
  normalPdf,
  normalCdf,
  normalSf,
  normalPpf,
  studentTTails,
  studentTCdf,
  studentTSf,
  studentTPdf,
  studentTPpf,
} from './special';
export type { BetaTails, StudentTTails } from './special';
export { mean, variance, std, median, quantile, rankData } from './descriptive';
export type { VarianceOptions } from './descriptive';
export { kolmogorovSf, smirnovSf } from './kolmogorov';
export { shapiroWilk } from './normality';
export type { ShapiroWilkResult } from './normality';
export { welchTTest, ks2Samp, wasserstein1 } from './twoSample';
export type { WelchTTestResult, KsResult } from './twoSample';
export { pearson, spearman, linearFit } from './correlation';
export type { PearsonResult, SpearmanResult, LinearFitResult } from './correlation';
export { linearCKA } from './cka';
export type { LinearCKAOptions } from './cka';
export { hungarian, assignmentCost, greedyMatch } from './assignment';
export type { MatchPair } from './assignment';
export { meanCI, bootstrapCI, meanInterval } from './intervals';
export type { MeanCI, MeanCIResult, MeanIntervalOptions, BootstrapOptions, BootstrapCIResult } from './intervals';
export { gaussianKDE } from './kde';
export type { KdeBandwidth } from './kde';
export { klHistogram, klGaussian } from './divergence';
export type { KlHistogramOptions } from './divergence';
export { verdictAgainstThreshold, verdictWithinBand, verdictBoth } from './verdict';
export type { VerdictStatus, Interval, IntervalEstimate } from './verdict';
export { oneSampleTTest, holmAdjust, holmVerdicts, verdictAll } from './multiple';
export type { OneSampleTTestResult, HolmCellVerdict } from './multiple';
