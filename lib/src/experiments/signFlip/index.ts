// The sign flips, perturbations and feature similarity (notebook 04) as one namespace of @netstats/lib: `ns.signFlip.run(config)`.
// Only what the notebook uses is exported here; tests import the files directly.
export { type SignFlipConfig, signFlipBaseCell as baseCell, signFlipConfig as config } from './config';
export { type Perturbation, perturbationLabel } from './perturb';
export { runSignFlip as run, type SignFlipResults } from './run';
export { signFlipVerdict as verdict, signFlipVerdictText as verdictText } from './verdict';
export { signFlipClaims as claims, signFlipClaimsMarkdown as claimsText, signFlipProtocolTable as protocolTable, SIGN_FLIP_CLAIMS } from './claims';
export {
  ckaMatrixFigure,
  featureHeatmapsFigure,
  featureSimilarityFigure,
  signFlipAccuracyFigure as accuracyFigure,
  signFlipDistanceFigure as distanceFigure,
  signFlipPathFigure as pathFigure,
} from './figures';
export { signFlipTables as tables, type SignFlipTables } from './tables';
export { isRetrained } from './records';
