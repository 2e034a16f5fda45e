// The architectures and transfer (notebook 05) as one namespace of @netstats/lib: `ns.architectures.run(config)`.
// Only what the notebook uses is exported here; tests import the files directly.
export { type ArchitecturesConfig, architecturesConfig as config, SOURCE_CRITERION, TRANSFER_PAIRS, type TransferConfig, transferConfig } from './config';
export { centralShare, type MeasuredReceptiveField } from './geometry';
export { firstOverLastAtStep, runVanishingGradients } from './gradients';
export { augmentationImage, randomCropFlip, runAugmentationStudy } from './augmentation';
export { auxiliaryAccuracyClaim, runAuxiliaryClassifiers, runAuxiliaryTraining, type AuxiliaryGradientRow } from './auxiliary';
export { RESIDUAL_PLACEMENT_LAYOUT, RESIDUAL_PLACEMENTS, residualBlockModel, runBudgetComparison } from './blocks';
export { runTransfer, type TransferCell, type TransferResults, type TransferRun, type TransferSourceModel } from './transfer';
export {
  type ArchitecturesResults,
  runArchitectures as run,
  runBlockStudy,
  runLinearCollapse,
  runReceptiveFields,
} from './run';
export { TRANSFER_CLAIM_WORDS, type TransferClaims } from './verdict';
export { FINE_TUNE_PLATEAU } from './transferStats';
export { augmentationVerdictText, auxiliaryAccuracyText, pointsText, transferVerdictText } from './text';
export {
  budgetFigure,
  domainGapFigure,
  gradientsAtInitFigure,
  gradientsDuringTrainingFigure,
  placementFigure,
  receptiveFieldMapsFigure,
  stackedKernelsFigure,
  trainingCurvesFigure,
  transferSweepFigure,
} from './figures';
