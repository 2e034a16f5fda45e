import { fetchCommand, isDataPresent } from '../data/fetch/install';
import type { FetchableName } from '../data/fetch/sources';
import { HOW_TO_GET, locateDataset } from '../data/locations';
import type { DatasetName } from '../data/types';
import { maskingConfig } from '../experiments/masking/config';
import { MASKING_PAIRS } from '../experiments/masking/data';
import { parameterChangeConfig } from '../experiments/parameterChange/config';
import { signFlipConfig } from '../experiments/signFlip/config';
import { TRANSFER_PAIRS, transferConfig } from '../experiments/architectures/config';
import type { Scale } from '../util/scale';

/**
 * What data each notebook needs at a scale, whether it is on this machine, and how to get what is not: the
 * preflight of `npm run reproduce`. Derived from the experiments' own configs where they choose datasets by scale.
 */

export type DataName = DatasetName | 'darknet-tiny';

const LABEL: Readonly<Record<DataName, string>> = {
  mnist: 'MNIST',
  'fashion-mnist': 'Fashion-MNIST',
  cifar10: 'CIFAR-10',
  'imagenet-sample': 'ImageNet sample',
  'darknet-tiny': 'Tiny Darknet',
};

export const dataLabel = (name: DataName): string => LABEL[name];

/** The data a notebook reads at `scale` (by notebook number prefix); [] for a notebook not listed here. */
export function notebookDataNeeds(notebook: string, scale: Scale): DataName[] {
  const needs = new Set<DataName>();
  const prefix = notebook.slice(0, 2);
  if (prefix === '00' || prefix === '03') ['mnist', 'fashion-mnist'].forEach((d) => needs.add(d as DataName));
  if (prefix === '01') {
    const c = maskingConfig(scale);
    for (const p of c.protocolA?.pairs ?? []) [MASKING_PAIRS[p].source.dataset, MASKING_PAIRS[p].target.dataset].forEach((d) => needs.add(d));
    if (c.protocolB) ['cifar10', 'darknet-tiny', 'imagenet-sample'].forEach((d) => needs.add(d as DataName));
  }
  if (prefix === '02') {
    const c = parameterChangeConfig(scale);
    [...c.datasets, ...(c.batchNormTest?.datasets ?? []), ...(c.widthTest?.datasets ?? [])].forEach((d) => needs.add(d));
  }
  if (prefix === '04') signFlipConfig(scale).datasets.forEach((d) => needs.add(d));
  if (prefix === '05') {
    // Section 4c trains on CIFAR-10 at every scale; section 5 on the transfer pairs.
    needs.add('cifar10');
    for (const p of transferConfig(scale).pairs) [TRANSFER_PAIRS[p].source.dataset, TRANSFER_PAIRS[p].target.dataset].forEach((d) => needs.add(d));
  }
  return [...needs];
}

/** True when the loaders find the data (both splits for the train/test datasets). */
export function dataPresent(name: DataName): boolean {
  if (name === 'cifar10' || name === 'darknet-tiny' || name === 'imagenet-sample') return isDataPresent(name);
  try {
    locateDataset(name, 'train');
    locateDataset(name, 'test');
    return true;
  } catch {
    return false;
  }
}

/** The one command (or step) that gets a missing piece of data. */
export function howToGet(name: DataName): string {
  if (name === 'cifar10' || name === 'darknet-tiny' || name === 'imagenet-sample') return fetchCommand(name);
  return HOW_TO_GET[name].split(';')[0] ?? HOW_TO_GET[name];
}

/** The steps that get all of `missing`: one fetch command for the fetchable ones, then the others' own steps. */
export function howToGetAll(missing: readonly DataName[]): string[] {
  const fetchable = missing.filter((d): d is FetchableName => d === 'cifar10' || d === 'darknet-tiny' || d === 'imagenet-sample');
  const others = missing.filter((d) => !(fetchable as readonly DataName[]).includes(d));
  return [...(fetchable.length > 0 ? [`npm run datasets -- --fetch ${fetchable.join(' ')}`] : []), ...others.map(howToGet)];
}
