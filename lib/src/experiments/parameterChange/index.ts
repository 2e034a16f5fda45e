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
  runParameterChange as run,
  trainedParameterChangeModel as trainedModel,
} from './run';
export { parameterChangeVerdict as verdict, parameterChangeVerdictText as verdictText } from './verdict';
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
