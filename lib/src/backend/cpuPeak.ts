// The fp32 peak of this CPU for the cores a process uses, from what Linux reports about it:
// peak = cores × fp32 lanes per vector × FMA units per core × 2 flop per FMA × clock.
// Lanes come from the vector extensions in /proc/cpuinfo's flags (AVX-512 16, AVX 8, SSE 4), the clock from cpufreq's
// maximum, else the "@ x GHz" of the model name, else /proc/cpuinfo's current "cpu MHz". Linux does not report FMA
// units; they follow from the vendor and family (below), and NETSTATS_FMA_UNITS overrides the guess.
import * as fs from 'fs';
import { envInteger, MAX_FMA_UNITS } from '../util/env';

export interface CpuPeak {
  gflops: number;
  cores: number;
  lanes: number;
  vector: string;
  fmaUnits: number;
  ghz: number;
  /** The formula with every factor and where it came from, for the bench's output. */
  formula: string;
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function field(cpuinfo: string, name: string): string | null {
  const m = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(cpuinfo);
  return m === null ? null : (m[1] ?? '').trim();
}

/**
 * FMA units per core able to issue one full-width vector FMA per cycle. Intel cores with AVX-512 (Xeon Gold/Platinum)
 * have two 512-bit units; AMD Zen 4 (family 0x19 with AVX-512) runs 512-bit FMAs on two 256-bit halves (one per
 * cycle), Zen 5 (0x1a) server cores two full 512-bit units (the mobile ones split them, which Linux does not tell
 * apart: NETSTATS_FMA_UNITS=1 there), Zen 2/3 (0x17/0x19) two 256-bit units; AVX2+FMA Intel cores two; without FMA
 * one multiply+add pair.
 */
function fmaUnitsGuess(vendor: string, family: number, flags: Set<string>): { units: number; why: string } {
  const override = envInteger('NETSTATS_FMA_UNITS', 1, MAX_FMA_UNITS);
  if (override !== undefined) return { units: override, why: 'NETSTATS_FMA_UNITS' };
  if (!flags.has('fma')) return { units: 1, why: 'no FMA flag: one multiply + add' };
  if (vendor === 'AuthenticAMD' && flags.has('avx512f') && family === 0x19) return { units: 1, why: 'AMD Zen 4: 512-bit FMA in two 256-bit halves' };
  if (vendor === 'AuthenticAMD' && family === 0x17 && !flags.has('avx512f')) return { units: 2, why: 'AMD Zen 1/2: two FMA pipes' };
  // Zen 5 server parts (EPYC 9005) have a full 512-bit datapath: two 512-bit FMAs per cycle.
  if (vendor === 'AuthenticAMD' && family === 0x1a && flags.has('avx512f')) return { units: 2, why: 'AMD Zen 5: two 512-bit FMA pipes' };
  return { units: 2, why: `${vendor} family ${family}: two FMA units` };
}

/**
 * Peak for `cores` cores (the threads a benchmark runs). The two texts default to this machine's /proc/cpuinfo and
 * cpufreq maximum (kHz); missing ones fall back as described above.
 */
export function cpuPeak(cores: number, cpuinfoText: string | null = readText('/proc/cpuinfo'),
  maxFreqKHzText: string | null = readText('/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq')): CpuPeak {
  const info = cpuinfoText ?? '';
  const flags = new Set((field(info, 'flags') ?? '').split(/\s+/));
  const [lanes, vector] = flags.has('avx512f') ? [16, 'AVX-512'] : flags.has('avx2') ? [8, 'AVX2'] : flags.has('avx') ? [8, 'AVX'] : flags.has('sse') || flags.has('sse2') ? [4, 'SSE'] : [1, 'scalar'];
  const vendor = field(info, 'vendor_id') ?? 'unknown';
  const family = Number(field(info, 'cpu family') ?? NaN);
  const fma = fmaUnitsGuess(vendor, family, flags);
  const model = field(info, 'model name') ?? 'unknown CPU';
  let ghz = NaN, clockFrom = '';
  const maxKHz = Number(maxFreqKHzText ?? NaN);
  if (maxKHz > 0) { ghz = maxKHz / 1e6; clockFrom = 'cpufreq maximum'; }
  const named = /@\s*([0-9.]+)\s*GHz/i.exec(model);
  if (!(ghz > 0) && named !== null) { ghz = Number(named[1]); clockFrom = 'model name'; }
  const mhz = Number(field(info, 'cpu MHz') ?? NaN);
  if (!(ghz > 0) && mhz > 0) { ghz = mhz / 1000; clockFrom = '/proc/cpuinfo cpu MHz (current clock)'; }
  if (!(ghz > 0)) { ghz = 2; clockFrom = 'unknown clock, assumed'; }
  const gflops = cores * lanes * fma.units * 2 * ghz;
  const formula = `${cores} cores × ${lanes} fp32 lanes (${vector}) × ${fma.units} FMA units (${fma.why}) × 2 flop × `
    + `${ghz.toFixed(2)} GHz (${clockFrom}) = ${gflops.toFixed(0)} GFLOP/s [${model}]`;
  return { gflops, cores, lanes, vector, fmaUnits: fma.units, ghz, formula };
}
