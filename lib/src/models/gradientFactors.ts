import type { ParameterInfo } from './parameters';

/** Element-wise gradient factors by parameter name (Float32Array with the parameter's size, row-major). */
export type GradientFactors = ReadonlyMap<string, Float32Array>;

/**
 * Per-output-channel factors → element-wise factors for the layers' kernels and biases (output channel = last axis of
 * a tfjs kernel, for conv and dense alike). `channelFactors[layer]` has one value per output channel; BN gamma/beta of
 * a layer named in `batchNormOf[layer]` get the same factors when given.
 */
export function channelGradientFactors(
  parameterInfo: readonly ParameterInfo[],
  channelFactors: Readonly<Record<string, Float32Array>>,
  batchNormOf?: Readonly<Record<string, string>>,
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const owner = new Map<string, string>();
  for (const layer of Object.keys(channelFactors)) owner.set(layer, layer);
  for (const [layer, bn] of Object.entries(batchNormOf ?? {})) {
    if (!(layer in channelFactors)) throw new Error(`channelGradientFactors: batchNormOf names '${layer}', which has no channel factors`);
    owner.set(bn, layer);
  }
  const used = new Set<string>();
  for (const p of parameterInfo) {
    const source = owner.get(p.layer);
    if (source === undefined || !p.trainable) continue;
    const factors = channelFactors[source] as Float32Array;
    const channels = p.kind === 'depthwise-weight' ? (p.shape[2] as number) * (p.shape[3] as number) : (p.shape[p.shape.length - 1] as number);
    if (channels !== factors.length) {
      throw new Error(`channelGradientFactors: '${p.name}' has ${channels} output channels, factors for '${source}' have ${factors.length}`);
    }
    const values = new Float32Array(p.size);
    for (let i = 0; i < p.size; i++) values[i] = factors[i % channels] as number;
    out.set(p.name, values);
    used.add(p.layer);
  }
  for (const layer of owner.keys()) {
    if (!used.has(layer)) throw new Error(`channelGradientFactors: layer '${layer}' has no trainable parameters in the model`);
  }
  return out;
}
