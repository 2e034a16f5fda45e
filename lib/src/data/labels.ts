import type { DatasetName } from './types';

/** The names the field uses for each dataset, for titles, legends and generated text. */
export const DATASET_LABELS: Readonly<Record<DatasetName, string>> = {
  mnist: 'MNIST',
  'fashion-mnist': 'Fashion-MNIST',
  cifar10: 'CIFAR-10',
  'imagenet-sample': 'ImageNet sample',
};

/** The display name of a dataset; an unknown name is returned as it is. */
export function datasetLabel(name: string): string {
  return (DATASET_LABELS as Readonly<Record<string, string>>)[name] ?? name;
}
