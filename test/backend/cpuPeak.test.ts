// The bench's fp32 peak from /proc/cpuinfo-style text: factors and products worked out by hand.
import * as assert from 'assert';
import { cpuPeak } from '../../lib/src/backend/cpuPeak';

const xeon = [
  'vendor_id\t: GenuineIntel', 'cpu family\t: 6', 'model name\t: Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz',
  'cpu MHz\t\t: 3499.996', 'flags\t\t: fpu sse sse2 avx avx2 fma avx512f avx512dq',
].join('\n');
const epyc = ['vendor_id\t: AuthenticAMD', 'cpu family\t: 25', 'model name\t: AMD EPYC', 'cpu MHz\t\t: 2445.434',
  'flags\t\t: fpu sse sse2 avx avx2 fma'].join('\n');

describe('backend/cpuPeak', () => {
  it('Intel with AVX-512: 2 cores x 16 lanes x 2 FMA units x 2 flop x 2.9 GHz (model name) = 371.2 GFLOP/s', () => {
    const p = cpuPeak(2, xeon, null);
    assert.deepStrictEqual([p.lanes, p.fmaUnits, p.ghz], [16, 2, 2.9]);
    assert.ok(Math.abs(p.gflops - 371.2) < 1e-9, String(p.gflops));
    assert.match(p.formula, /2 cores × 16 fp32 lanes \(AVX-512\) × 2 FMA units .* × 2 flop × 2\.90 GHz \(model name\) = 371 GFLOP\/s/);
  });
  it('the cpufreq maximum wins over the model name; AMD Zen 3 AVX2: 4 x 8 x 2 x 2 x 3.5 = 448', () => {
    assert.strictEqual(cpuPeak(2, xeon, '3500000\n').ghz, 3.5);
    const p = cpuPeak(4, epyc, '3500000');
    assert.ok(Math.abs(p.gflops - 448) < 1e-9, String(p.gflops));
  });
  it('without cpufreq or a clock in the name, the current cpu MHz: 2 x 8 x 2 x 2 x 2.445434 GHz', () => {
    const p = cpuPeak(2, epyc, null);
    assert.ok(Math.abs(p.gflops - 2 * 8 * 2 * 2 * 2.445434) < 1e-9, String(p.gflops));
    assert.match(p.formula, /current clock/);
  });
  it('AMD EPYC Zen 4 (family 25, AVX-512): one 512-bit FMA per cycle; Zen 5 (family 26): two', () => {
    const zen = (family: number) => ['vendor_id\t: AuthenticAMD', `cpu family\t: ${family}`, 'model name\t: AMD EPYC',
      'cpu MHz\t\t: 2100.000', 'flags\t\t: fpu sse sse2 avx avx2 fma avx512f'].join('\n');
    const zen4 = cpuPeak(2, zen(25), null), zen5 = cpuPeak(2, zen(26), null);
    assert.deepStrictEqual([zen4.lanes, zen4.fmaUnits, zen5.lanes, zen5.fmaUnits], [16, 1, 16, 2]);
    assert.ok(Math.abs(zen5.gflops - 2 * 16 * 2 * 2 * 2.1) < 1e-9, String(zen5.gflops));
    assert.match(zen5.formula, /AMD Zen 5/);
  });
  it('NETSTATS_FMA_UNITS overrides the FMA-unit guess', () => {
    process.env.NETSTATS_FMA_UNITS = '1';
    try {
      assert.strictEqual(cpuPeak(2, xeon, null).fmaUnits, 1);
    } finally {
      delete process.env.NETSTATS_FMA_UNITS;
    }
  });
});
