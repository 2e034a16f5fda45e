// Plain-JS pieces of GEMM convolution, used on wasm when the native addon is unavailable: the
// GEMM itself runs in the wasm backend's fast (non-transposed) BatchMatMul.
import type { ConvInfo } from './geometry';

/** colsT[k, n] with k = (kh, kw, c) and n = (b, oh, ow): the transposed im2col matrix. */
export function im2colTransposed(x: Float32Array, c: ConvInfo, colsT: Float32Array): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = c;
  const N = B * OH * OW;
  let k = 0;
  for (let kh = 0; kh < c.filterHeight; kh++) {
    for (let kw = 0; kw < c.filterWidth; kw++) {
      for (let ch = 0; ch < C; ch++, k++) {
        const row = k * N;
        let n = 0;
        for (let b = 0; b < B; b++) {
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * c.strideHeight - c.padInfo.top + kh * c.dilationHeight;
            const rowOk = ih >= 0 && ih < H;
            const base = (b * H + ih) * W;
            for (let ow = 0; ow < OW; ow++, n++) {
              const iw = ow * c.strideWidth - c.padInfo.left + kw * c.dilationWidth;
              colsT[row + n] = rowOk && iw >= 0 && iw < W ? x[(base + iw) * C + ch] : 0;
            }
          }
        }
      }
    }
  }
}

/** dx += scatter of cols[n, k] (n = output pixel, k = (kh, kw, c)); dx must start zeroed. */
export function col2im(cols: Float32Array, c: ConvInfo, dx: Float32Array): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = c;
  const K = c.filterHeight * c.filterWidth * C;
  let n = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, n++) {
        const src = n * K;
        for (let kh = 0; kh < c.filterHeight; kh++) {
          const ih = oh * c.strideHeight - c.padInfo.top + kh * c.dilationHeight;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < c.filterWidth; kw++) {
            const iw = ow * c.strideWidth - c.padInfo.left + kw * c.dilationWidth;
            if (iw < 0 || iw >= W) continue;
            const s = src + (kh * c.filterWidth + kw) * C;
            const d = ((b * H + ih) * W + iw) * C;
            for (let ch = 0; ch < C; ch++) dx[d + ch] += cols[s + ch];
          }
        }
      }
    }
  }
}

/** out[j, i] = m[i, j] for a rows x cols matrix. */
export function transpose2d(m: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let i = 0; i < rows; i++) {
    const r = i * cols;
    for (let j = 0; j < cols; j++) out[j * rows + i] = m[r + j];
  }
}
