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
  type MaskingRun,
  maskingTrainSchedule as trainSchedule,
  runMasking as run,
} from './run';
export {
  maskingComparisons as comparisons,
  maskingLayerDistances as layerDistances,
  maskingStatisticAgreement as statisticAgreement,
  maskingVerdict as verdict,
  summarizeMasking as summarize,
  type MaskingComparison,
  type MaskingSummary,
  type MaskingVerdict,
  VAL_SELECTED_FREEZE,
  VAL_SELECTED_MASKED,
} from './verdict';
export {
  maskingCellReadout as cellReadout,
  maskingGapReadout as gapReadout,
  maskingComparisonTable as comparisonTable,
  maskingComparisonText as comparisonText,
  maskingProtocolTable as protocolTable,
  maskingSummaryTable as summaryTable,
  maskingVerdictCellTable as verdictCellTable,
  maskingReadoutB as readoutB,
  maskingTrainingRecordTable as trainingRecordTable,
  maskingVerdictText as verdictText,
} from './text';
export {
  maskingAccuracyFigure as accuracyFigure,
  maskingActivationMapsFigure as activationMapsFigure,
  maskingDifferenceFigure as differenceFigure,
  maskingGapFigure as gapFigure,
  maskingHistogramFigure as histogramFigure,
  maskingMethodBars as methodBars,
  maskingSelectionFigure as selectionFigure,
  maskingSimilarityHeatmap as similarityHeatmap,
} from './figures';
