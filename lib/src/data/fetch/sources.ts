import type { ExpectedDigest } from './download';
import { IMAGENET_SAMPLE_FILES } from './imagenet-sample-manifest';

/**
 * Where each fetchable dataset comes from: pinned URLs and the digest every file must have. The same table is in
 * datasets/README.md with the provenance of each value.
 *
 * NETSTATS_MIRROR=<base URL> replaces every origin by `<base>/<mirrorPath>`, so a mirror (or a test server) serves
 *   <base>/cifar10/cifar-10-binary.tar.gz
 *   <base>/darknet-tiny/model.json, <base>/darknet-tiny/group1-shard1of1 ..., <base>/darknet-tiny/labels.txt
 *     (the files of an installed darknet-tiny folder)
 *   <base>/imagenet-sample/n01440764_tench.JPEG ...
 */

export type FetchableName = 'cifar10' | 'darknet-tiny' | 'imagenet-sample';
export const FETCHABLE: readonly FetchableName[] = ['cifar10', 'darknet-tiny', 'imagenet-sample'];

export interface RemoteFile {
  /** URL at the origin. */
  url: string;
  /** Path under NETSTATS_MIRROR, `<dataset>/<file name>`. */
  mirrorPath: string;
  expected: ExpectedDigest;
  /** Size in bytes when known (for the progress total before the first response). */
  size?: number;
}

export const CIFAR10_ARCHIVE: RemoteFile = {
  // The official page (https://www.cs.toronto.edu/~kriz/cifar.html) publishes this md5.
  url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
  mirrorPath: 'cifar10/cifar-10-binary.tar.gz',
  expected: { algorithm: 'md5', hex: 'c32a1d4ab5d03f1284b67883e8d87530' },
};

/** ml5js/ml5-data-and-models, the commit that added the Tiny Darknet conversion (the folder is unchanged since). */
export const ML5_COMMIT = 'e77bfb7484bb37babeaba4d1fbf8ea119f14cee6';
const ML5_BASE = `https://raw.githubusercontent.com/ml5js/ml5-data-and-models/${ML5_COMMIT}/models/darknetclassifier/darknettiny`;

/**
 * sha256 of model.json and the 31 shards, computed from that commit; they equal those of the development copy
 * (../shared/models/darknet-tiny), which is how we know it is the same model.
 */
const DARKNET_SHA256: Readonly<Record<string, string>> = {
  'model.json': '5a5ee1ddb33ac7948b303197f4c63f72a80fc00a7d2870d30843004ddd5b4b51',
  'group1-shard1of1': '1a95595a3f6c497f27747d40276649a10988d0808a121ddfb3f6b368133f44c5',
  'group2-shard1of1': '8226135041fbafc7c3a838d0673badb8d3e4211a4d550781951d15a09445ea47',
  'group3-shard1of1': '3a465f4bbcbcd7721caa77b704829cfe20eadab670a8d91a352e76e4cfca1a02',
  'group4-shard1of1': '3e661974c4740795f3ca9b882ae80dc3521951dac2b262ac054329f17aaefb10',
  'group5-shard1of1': '5f1fa7779fe01d2b06ea3804f84e5cf6a25688dc458617a9f35a1018356abcbf',
  'group6-shard1of1': 'e054b14e9e866da448ab351f04d3920ae216032b3df680396163a77b8925a009',
  'group7-shard1of1': '2aed907302664d64b85669a293c8f5a492521b4d025b9b3a19943f951a7e32df',
  'group8-shard1of1': '99e0418ac61cd6093df0bb4a5a67750ec0b0fbb8edb2125c0cfda67e3cb3f1a4',
  'group9-shard1of1': '4fb47f3aa4f19f7fabd7d4271cf81e8af7735fcfc89bf4b9174f379bb60b129d',
  'group10-shard1of1': '2afc82f4d423cb8272e4089b69c5dba2755eea8499935b4f0020e27b5d559557',
  'group11-shard1of1': '8957dc1caa88193522d8071f6ac3171634818bb50223b1e98ace21f010b414cc',
  'group12-shard1of1': 'bced27a16699c0eca4ee4d15c4e5fac46532a6f2850b53445818c0e2e69af7b1',
  'group13-shard1of1': '5e6172c6d71505fce1a9388e733aaddf21f6ab14f9ccaf10d2986a94b8f19b42',
  'group14-shard1of1': 'adfb4ad19dea5c1ba0c9b7e7d90f6265aac136a7d98e0f0eed4362d62e5e51f8',
  'group15-shard1of1': '79131184270263a2c585240efbfdd3ed13fc005c67b761ced984c70265209511',
  'group16-shard1of1': 'd70b0b9f3db3d51bd5613246885f4723998aef2e56845c7dec75743221f1ef5e',
  'group17-shard1of1': '3dad37a465ab881c2d2006072cd60d83144d04a5c5448f49e15308472bbb145a',
  'group18-shard1of1': 'c7a7f19a7a9e3a780bd1aedfe30a7e594821ea8d57d6e72d148c033b0f24f5fa',
  'group19-shard1of1': '4f16fe423091d9b32d59bff14cd19f1a6a233bc98adade4a1e0ef0d2972752b5',
  'group20-shard1of1': '1efd0b489da0d04808a02175c2803528313f7e9abadb18a5dc3ae0b5bd5c0331',
  'group21-shard1of1': '9d024d14a803a3b078df0e9829bcc13a8901c3a6043456632ce5697be5734155',
  'group22-shard1of1': '0c18a3238859e649bac990e90dc4738861ffd07e9bee725139bec9ef3b8545ef',
  'group23-shard1of1': '2116862cb9cd43b21a3bfa3ea41e43dbe33284a97a8a22c5afe8d768f5a767af',
  'group24-shard1of1': '35c4204cee6796300f50addf2a2202a137eaa8a42999a79168f9226f60c8a62b',
  'group25-shard1of1': '9a37816bda07b3be24b88103a11dcc5d3eea15749a15594492b03ba3177a6a5e',
  'group26-shard1of1': '697677a6c94bd84fb0b558421629b5424101c4ea16601be53096275f43891f6c',
  'group27-shard1of1': 'ef48b33bcf06fed0a9cc8b41017bccbf4f32fceeae946c00e0fd130fc467f9e4',
  'group28-shard1of1': '2831d9d4368b4cad678f9a3df4c9575bc35e1c2a7ef6ebed887c02c06a4f6dab',
  'group29-shard1of1': '720e58d7e54901e8db21d698fc094ffcb65a5991397895fef827ce53094b2a15',
  'group30-shard1of1': 'a68c7913477828b28c2fe1924b191139877f7825e5f1a2e1c1b0e0e92accc669',
  'group31-shard1of1': '7985bd42bc5c0333e563998ad6d4616b0afaf1765f2b8c4c6df3944cf8f13992',
};

export const DARKNET_MODEL_FILES: readonly RemoteFile[] = Object.entries(DARKNET_SHA256).map(([name, sha256]) => ({
  url: `${ML5_BASE}/${name}`,
  mirrorPath: `darknet-tiny/${name}`,
  expected: { algorithm: 'sha256', hex: sha256 },
}));

/** pjreddie/darknet, the commit that last changed data/imagenet.shortnames.list. */
export const DARKNET_REPO_COMMIT = '8f1b4e0962857d402f9d017fcbf387ef0eceb7c4';

/** Darknet's class names (21842 lines); the model's 1000 classes are its first 1000 lines (labels.txt). */
export const DARKNET_SHORTNAMES: RemoteFile = {
  url: `https://raw.githubusercontent.com/pjreddie/darknet/${DARKNET_REPO_COMMIT}/data/imagenet.shortnames.list`,
  mirrorPath: 'darknet-tiny/imagenet.shortnames.list',
  expected: { algorithm: 'sha256', hex: '6ba751a14e6470ccaf740476ab79df657925d29d9f29311629eed20f7efb0ed5' },
  size: 246356,
};

/** sha256 of labels.txt (the first 1000 lines of the list above); equals the development copy's. */
export const DARKNET_LABELS_SHA256 = '5289378d14f392c0cddf78fedc75d032e23b544831eb49d3d779fa6951ee0fc1';

/**
 * labels.txt itself, which only a mirror serves: a mirror's darknet-tiny/ is then simply a copy of an installed
 * darknet-tiny folder (the origin has no 1000-line file, so there the full list is fetched and cut).
 */
export const DARKNET_LABELS_ON_MIRROR: RemoteFile = {
  url: '',
  mirrorPath: 'darknet-tiny/labels.txt',
  expected: { algorithm: 'sha256', hex: DARKNET_LABELS_SHA256 },
};

/**
 * README.txt written next to the model. Same text as the development copy's, so the folder's tree digest
 * (KNOWN_TREE_CHECKSUMS['darknet-tiny']) verifies a fetched copy too.
 */
export const DARKNET_README =
  'Tiny Darknet (Redmon), ImageNet-1k classifier, as a TensorFlow.js LayersModel (Keras 2.1.6 topology): model.json + 31 weight shards, 1,046,488 parameters.\n' +
  'Input [N,224,224,3] RGB scaled to [0,1] (bilinear resize, align corners); output [N,1000] logits in Darknet class order (labels.txt, one name a line).\n' +
  'Darknet weights: public domain-style licence (GPL-3.0+ or MIT or WTFPL per Debian darknet copyright); conversion from ml5js/ml5-data-and-models (MIT).\n';

/** EliSchwartz/imagenet-sample-images: one ILSVRC-2012 training image per class, original sizes. */
export const IMAGENET_SAMPLE_COMMIT = 'bc69043e2862758a1906c6a24a792bb28c6bb2ff';

export const IMAGENET_SAMPLE_REMOTE: readonly RemoteFile[] = IMAGENET_SAMPLE_FILES.trim()
  .split('\n')
  .map((line) => {
    const [sha256 = '', size = '', name = ''] = line.trim().split(' ');
    return {
      url: `https://raw.githubusercontent.com/EliSchwartz/imagenet-sample-images/${IMAGENET_SAMPLE_COMMIT}/${encodeURIComponent(name)}`,
      mirrorPath: `imagenet-sample/${encodeURIComponent(name)}`,
      expected: { algorithm: 'sha256', hex: sha256 },
      size: Number(size),
    };
  });

/** The URL to download from: the origin, or the same file under NETSTATS_MIRROR. */
export function resolveUrl(file: RemoteFile, mirror: string | undefined = process.env['NETSTATS_MIRROR']): string {
  if (!mirror || mirror.trim() === '') return file.url;
  return `${mirror.trim().replace(/\/+$/, '')}/${file.mirrorPath}`;
}
