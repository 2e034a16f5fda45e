// Depthwise convolution gradients as direct loops (filter [KH, KW, C, M], output channel c*M + m).
import type { ConvInfo } from './geometry';

/** Calls visit(xIndex, dyIndex, wIndex) for every (input, output, filter) triple of a depthwise conv. */
function forEachTap(c: ConvInfo, visit: (xi: number, dyi: number, wi: number) => void): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO } = c;
  const M = CO / C;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const dyBase = ((b * OH + oh) * OW + ow) * CO;
        for (let kh = 0; kh < c.filterHeight; kh++) {
          const ih = oh * c.strideHeight - c.padInfo.top + kh * c.dilationHeight;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < c.filterWidth; kw++) {
            const iw = ow * c.strideWidth - c.padInfo.left + kw * c.dilationWidth;
            if (iw < 0 || iw >= W) continue;
            const xBase = ((b * H + ih) * W + iw) * C;
            const wBase = (kh * c.filterWidth + kw) * C * M;
            for (let ch = 0; ch < C; ch++) {
              for (let m = 0; m < M; m++) visit(xBase + ch, dyBase + ch * M + m, wBase + ch * M + m);
            }
          }
        }
      }
    }
  }
}

export function depthwiseBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, c: ConvInfo): void {
  dx.fill(0);
  forEachTap(c, (xi, dyi, wi) => { dx[xi] += dy[dyi] * w[wi]; });
}

export function depthwiseBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, c: ConvInfo): void {
  dw.fill(0);
  forEachTap(c, (xi, dyi, wi) => { dw[wi] += x[xi] * dy[dyi]; });
}
