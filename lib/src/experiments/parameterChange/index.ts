// The parameter change during training (notebook 02) as one namespace of @netstats/lib: `ns.parameterChange.run(config)`.
// Only what the notebook uses is exported here; tests import the files directly.
export {
  parameterChangeCell as cell,
  parameterChangeCells as cells,
  type ParameterChangeConfig,
  parameterChangeConfig as config,
} from './config';
export {
  parameterChangeData as data,
  parameterChangeTrainConfig as trainConfig,
  type ParameterChangeResults,
  type PcRun,
  runParameterChange as run,
  ZERO_START_ATOL as zeroStartAtol,
  trainedParameterChangeModel as trainedModel,
} from './run';
export { parameterChangeVerdict as verdict, PARAMETER_CHANGE_CLAIMS as claims } from './verdict';
export { parameterChangeVerdictMarkdown as verdictText, parameterChangeProtocolTable as protocolTable, intervalText } from './text';
export { STANDARD_CRITERIA as standardCriteria, SEED_RECIPES as seedRecipes, TUNED_OPTIMIZERS as tunedOptimizers, STANDARD_LR_SWEEP as lrSweep } from './config';
export {
  parameterChangeBarsFigure as barsFigure,
  parameterChangeBatchNormFigure as batchNormFigure,
  parameterChangeCurveFigure as curveFigure,
  parameterChangeHistogramFigure as histogramFigure,
  parameterChangeLayerHeatmap as layerHeatmap,
  parameterChangeOptimizerFigure as optimizerFigure,
  parameterChangeSnapshotFigure as snapshotFigure,
  parameterChangeWidthFigure as widthFigure,
} from './figures';
