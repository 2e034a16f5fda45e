import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadPretrainedModel, readModelArtifacts } from '../../lib/src/data/pretrained';
import { expectDataError, tempDir } from './helpers';

/** Saves a model as model.json + weights split into two shard files (a group spanning shards). */
async function saveToFolder(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = new Uint8Array(artifacts.weightData as ArrayBuffer);
      const half = Math.floor(data.length / 2);
      fs.writeFileSync(path.join(dir, 'group1-shard1of2.bin'), data.subarray(0, half));
      fs.writeFileSync(path.join(dir, 'group1-shard2of2.bin'), data.subarray(half));
      const manifest = [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: artifacts.weightSpecs }];
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ modelTopology: artifacts.modelTopology, weightsManifest: manifest, format: 'layers-model' }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

describe('data/pretrained: local LayersModel loading', () => {
  let dir = '';
  let original: tf.LayersModel;
  before(async () => {
    dir = tempDir('model');
    original = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'relu' }),
        tf.layers.batchNormalization(),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4 }),
      ],
    });
    await saveToFolder(original, dir);
  });
  after(() => original.dispose());

  it('loads model.json + shards into a model with identical weights and predictions', async () => {
    const loaded = await loadPretrainedModel(dir);
    const x = tf.randomUniform([2, 6, 6, 2], 0, 1, 'float32', 1);
    const a = original.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
    assert.equal(loaded.countParams(), original.countParams());
    tf.dispose([x, a, b]);
    loaded.dispose();
  });

  it('explains a missing model.json, a missing or truncated shard, bad JSON and an unsafe shard path', async () => {
    const bad = tempDir('model-bad');
    await expectDataError(() => readModelArtifacts(bad), path.join(bad, 'model.json'), 'a tfjs model.json', 'no such file');
    for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(bad, f));
    const shard2 = path.join(bad, 'group1-shard2of2.bin');
    const bytes = fs.readFileSync(shard2);
    fs.writeFileSync(shard2, bytes.subarray(0, bytes.length - 4));
    await expectDataError(() => readModelArtifacts(bad), 'group1-shard1of2.bin+group1-shard2of2.bin', `found ${fs.statSync(path.join(bad, 'group1-shard1of2.bin')).size + bytes.length - 4} bytes (truncated`);
    fs.rmSync(shard2);
    await expectDataError(() => readModelArtifacts(bad), shard2, 'a weight shard listed in', 'no such file');
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    json.weightsManifest[0]!.paths = ['../secret.bin'];
    fs.writeFileSync(path.join(bad, 'model.json'), JSON.stringify(json));
    await expectDataError(() => readModelArtifacts(bad), 'shard paths relative to the model folder', "'../secret.bin'");
    fs.writeFileSync(path.join(bad, 'model.json'), '{"modelTopology": ');
    await expectDataError(() => readModelArtifacts(bad), 'valid JSON', 'parse error');
    fs.writeFileSync(path.join(bad, 'model.json'), '{"weights": []}');
    await expectDataError(() => readModelArtifacts(bad), 'modelTopology and weightsManifest', 'keys weights');
  });
});
