// The masking of pretrained kernels (notebook 01) as one namespace of @netstats/lib: `ns.masking.run(config)`.
// Only what the notebook uses is exported here; tests import the files directly.
export {
  type MaskingConfig,
  maskingConfig as config,
  type MaskingMethod,
  maskingMethodId as methodId,
  SEED_MASKED_METHOD,
} from './config';
export { MASKING_PAIRS as PAIRS, type MaskingPairId } from './data';
export {
  maskingExampleA as exampleA,
  maskingExampleB as exampleB,
  maskingKernelMovement as kernelMovement,
  type MaskingResults,
  maskingTrainSchedule as trainSchedule,
  runMasking as run,
} from './run';
export {
  maskingLayerDistanceRows as layerDistanceRows,
  maskingSelectionOverlap as selectionOverlap,
  maskingVerdict as verdict,
  maskingVerdictText as verdictText,
  summarizeMasking as summarize,
  VAL_SELECTED_FREEZE,
  VAL_SELECTED_MASKED,
} from './verdict';
export {
  maskingAccuracyFigure as accuracyFigure,
  maskingActivationMapsFigure as activationMapsFigure,
  maskingDifferenceFigure as differenceFigure,
  maskingHistogramFigure as histogramFigure,
  maskingMethodBars as methodBars,
  maskingSelectionFigure as selectionFigure,
  maskingSimilarityHeatmap as similarityHeatmap,
} from './figures';
