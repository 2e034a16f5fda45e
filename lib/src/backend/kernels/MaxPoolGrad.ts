// MaxPoolGrad: the wasm 4.22 kernel drops gradient entries (e.g. the bottom-right window of a 4x4
// input with 2x2 pooling). Routes each dy entry to the first maximum of its window, as tfjs cpu does
// (search from -inf with a strict '>': NaN never wins, a window with nothing above -inf routes nowhere).
// MaxPool itself runs natively (multithreaded) when the addon is loaded, with the same semantics.
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from '../native/addon';
import { dyShapeMismatch, nativeGeometry, poolInfo, type ConvInfo } from './geometry';
import { runOriginal, runOriginalOrThrow } from './original';
import { input, type PackKernel } from './types';

function maxPoolGradJs(dy: Float32Array, x: Float32Array, dx: Float32Array, c: ConvInfo): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = c;
  dx.fill(0);
  for (let b = 0; b < B; b++) {
    const xb = b * H * W * C;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const dyBase = ((b * OH + oh) * OW + ow) * C;
        for (let ch = 0; ch < C; ch++) {
          let best = -Infinity, at = -1;
          for (let kh = 0; kh < c.filterHeight; kh++) {
            const ih = oh * c.strideHeight - c.padInfo.top + kh * c.dilationHeight;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < c.filterWidth; kw++) {
              const iw = ow * c.strideWidth - c.padInfo.left + kw * c.dilationWidth;
              if (iw < 0 || iw >= W) continue;
              const idx = xb + (ih * W + iw) * C + ch;
              if (x[idx] > best) { best = x[idx]; at = idx; }
            }
          }
          if (at >= 0) dx[at] += dy[dyBase + ch];
        }
      }
    }
  }
}

export const maxPoolGradKernel: PackKernel = {
  name: tf.MaxPoolGrad,
  applies: (backend, native) => backend === 'wasm' || native,
  run(io, inputs, attrs) {
    const dy = input(inputs, 'dy', 'MaxPoolGrad');
    const x = input(inputs, 'input', 'MaxPoolGrad');
    const c = poolInfo(x.shape, attrs);
    const mismatch = dyShapeMismatch(dy, c);
    if (mismatch !== null) return runOriginalOrThrow(io, tf.MaxPoolGrad, inputs, attrs, mismatch);
    const dx = io.alloc(x.shape, 'float32');
    const native = nativeKernels();
    if (native !== null) native.maxPoolGrad(io.f32(dy), io.f32(x), io.f32(dx), nativeGeometry(c));
    else maxPoolGradJs(io.f32(dy), io.f32(x), io.f32(dx), c);
    return dx;
  },
};

export const maxPoolKernel: PackKernel = {
  name: tf.MaxPool,
  applies: (backend, native) => backend === 'wasm' && native,
  run(io, inputs, attrs) {
    const x = input(inputs, 'x', 'MaxPool');
    const native = nativeKernels();
    if (native === null || x.dtype !== 'float32') return runOriginal(io, tf.MaxPool, inputs, attrs);
    const c = poolInfo(x.shape, attrs);
    const y = io.alloc(c.outShape, 'float32');
    native.maxPool(io.f32(x), io.f32(y), nativeGeometry(c));
    return y;
  },
};
