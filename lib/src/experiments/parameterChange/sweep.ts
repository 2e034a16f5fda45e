// The learning-rate sweep behind the standard scale's optimiser settings: one architecture × optimiser × dataset,
// trained once per lr with the scale's recipe on a seed outside the grid; the lr with the best validation accuracy
// wins. The recorded results (config.ts) are what this printed; a test checks that each chosen lr is its sweep's best.
import { cellOf, type LrSweepPoint, type ParameterChangeConfig, type PcCellChoice } from './config';
import { trainParameterChangeCell, type ParameterChangeCacheOptions } from './run';

export interface LrSweepRequest {
  config: ParameterChangeConfig;
  /** The cell swept (its seed should lie outside the grid's seeds, so that the grid is not tuned on its own runs). */
  choice: PcCellChoice;
  learningRates: number[];
}

export interface LrSweepResult extends LrSweepPoint {
  batchNorm: boolean;
  dataset: string;
  /** Test accuracy of the best-validation checkpoint (null when the run diverged). */
  testAccuracy: number | null;
  diverged: boolean;
}

export async function runLrSweep(request: LrSweepRequest, options: ParameterChangeCacheOptions = {}): Promise<LrSweepResult[]> {
  const { config, choice, learningRates } = request;
  if (learningRates.length === 0) throw new Error('runLrSweep: learningRates is empty');
  for (const lr of learningRates) {
    if (!(lr > 0 && Number.isFinite(lr))) throw new Error(`runLrSweep: every learning rate must be a positive number; got ${lr}`);
  }
  const out: LrSweepResult[] = [];
  for (const lr of learningRates) {
    const base = cellOf(config, choice);
    const cell = { ...base, optimizer: { ...base.optimizer, lr } };
    const run = await trainParameterChangeCell(cell, options);
    const accuracies = run.history.map((e) => e.valAccuracy ?? NaN).filter((v) => Number.isFinite(v));
    out.push({
      architecture: choice.architecture,
      optimizer: choice.optimizer,
      lr,
      bestValAccuracy: accuracies.length === 0 ? NaN : Math.max(...accuracies),
      batchNorm: cell.batchNorm,
      dataset: cell.dataset,
      testAccuracy: run.results?.test?.accuracy ?? null,
      diverged: run.results?.diverged ?? false,
    });
  }
  return out;
}
