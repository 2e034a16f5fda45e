// Per-kernel time breakdown of a piece of work: every kernel registered on the backend is wrapped
// with a timer while `work` runs, then the registrations are put back. Used by `npm run bench -- --profile`.
import * as tf from '@tensorflow/tfjs';

export interface KernelTiming { name: string; calls: number; ms: number }

export interface KernelProfile {
  /** Wall time of `work`. */
  totalMs: number;
  /** Time inside kernel functions (the rest is tfjs bookkeeping, autodiff, optimizer glue, JS). */
  kernelMs: number;
  kernels: KernelTiming[];
}

export function profileKernels(backendName: string, work: () => void): KernelProfile {
  const configs = tf.getKernelsForBackend(backendName);
  const stats = new Map<string, KernelTiming>();
  let depth = 0;
  for (const config of configs) {
    const inner = config.kernelFunc;
    const entry: KernelTiming = { name: config.kernelName, calls: 0, ms: 0 };
    stats.set(config.kernelName, entry);
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        // Kernels that call other kernels' functions directly are timed once, at the outermost level.
        if (depth > 0) return inner(args);
        depth++;
        const t0 = performance.now();
        try {
          return inner(args);
        } finally {
          entry.ms += performance.now() - t0;
          entry.calls++;
          depth--;
        }
      },
    });
  }
  const t0 = performance.now();
  try {
    work();
  } finally {
    for (const config of configs) {
      tf.unregisterKernel(config.kernelName, backendName);
      tf.registerKernel(config);
    }
  }
  const totalMs = performance.now() - t0;
  const kernels = [...stats.values()].filter((k) => k.calls > 0).sort((a, b) => b.ms - a.ms);
  return { totalMs, kernelMs: kernels.reduce((s, k) => s + k.ms, 0), kernels };
}

/** A fixed-width table of a profile divided by `steps` (per-step milliseconds and calls). */
export function formatKernelProfile(p: KernelProfile, steps: number, top = 25): string {
  const lines = [`per step: total ${(p.totalMs / steps).toFixed(2)} ms, in kernels ${(p.kernelMs / steps).toFixed(2)} ms, ` +
    `outside kernels ${((p.totalMs - p.kernelMs) / steps).toFixed(2)} ms`];
  for (const k of p.kernels.slice(0, top)) {
    lines.push(`  ${k.name.padEnd(34)} ${(k.ms / steps).toFixed(2).padStart(8)} ms ${(k.calls / steps).toFixed(0).padStart(5)} calls ` +
      `${(100 * k.ms / p.totalMs).toFixed(1).padStart(5)}%`);
  }
  if (p.kernels.length > top) {
    const rest = p.kernels.slice(top);
    lines.push(`  (${rest.length} more kernels) ${(rest.reduce((s, k) => s + k.ms, 0) / steps).toFixed(2)} ms`);
  }
  return lines.join('\n');
}
