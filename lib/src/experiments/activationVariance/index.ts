// The activation variance vs width (notebook 03) as one namespace of @netstats/lib: `ns.activationVariance.run(config)`.
// Only what the notebook uses is exported here; tests import the files directly.
export { type ActivationVarianceConfig, activationVarianceConfig as config, CONVERGENCE_CRITERIA as convergenceCriteria } from './config';
export { activationVarianceCache as cache, cachedActivationVarianceJson as cachedJson, trainedReplicaWeights as trainedWeights } from './cache';
export {
  activationVarianceResizeConfig as resizeConfig,
  type ActivationVarianceResizeResult,
  runActivationVarianceResize as runResize,
} from './resize';
export {
  activationVarianceReplicateRows as replicateRows,
  type ActivationVarianceResult,
  activationVarianceWidthRows as widthRows,
  loadActivationVarianceData as loadData,
  runActivationVariance as run,
} from './run';
export {
  activationVarianceClaims as claims,
  type ActivationVarianceClaims,
  resizeClaim,
  type ResizeClaim,
  trainingRecord,
} from './verdict';
export {
  accuracyAndShapiroFigure,
  deadNeuronsFigure,
  nearDeadFigure,
  resizeAccuracyFigure,
  resizeTrajectoryFigure,
  shapiroVsWidthFigure,
  stdAroundArgmaxFigure,
  stdDistributionFigure,
  totalStdFigure,
  totalVarianceFigure,
  peakUncertaintyFigure,
} from './figures';
export { activationVarianceVerdictText as verdictText, intervalText } from './text';
