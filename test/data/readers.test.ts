import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { createRng } from '../../lib/src/util/random';
import { DataFormatError } from '../../lib/src/data/errors';
import { parseIdx, readIdxFile, gunzipIfNeeded } from '../../lib/src/data/idx';
import { parseCifarBinary, concatCifarRecords } from '../../lib/src/data/cifar-binary';
import { cifarBytes, expectDataError, idxBytes, tempDir } from './helpers';

describe('data/idx', () => {
  const values = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 37) % 256);
  const bytes = idxBytes([2, 3, 4], values);

  it('parses dimensions and values (hand-built file)', () => {
    const idx = parseIdx(bytes, 'x.idx');
    assert.deepEqual(idx.dims, [2, 3, 4]);
    assert.deepEqual(Array.from(idx.data), Array.from(values));
    assert.equal(idx.data.byteOffset, 0, 'values live in their own buffer');
  });

  it('reads raw and gzip files to the same content', () => {
    const dir = tempDir('idx');
    fs.writeFileSync(path.join(dir, 'a'), bytes);
    fs.writeFileSync(path.join(dir, 'a.gz'), zlib.gzipSync(bytes));
    const raw = readIdxFile(path.join(dir, 'a'));
    const gz = readIdxFile(path.join(dir, 'a.gz'));
    assert.deepEqual(gz.dims, raw.dims);
    assert.deepEqual(Array.from(gz.data), Array.from(raw.data));
  });

  it('names the file and says expected/found for each bad input', async () => {
    const dir = tempDir('idx-bad');
    await expectDataError(() => readIdxFile(path.join(dir, 'missing'), 'the MNIST labels'), 'missing', 'the MNIST labels', 'no such file');
    const wrongMagic = Uint8Array.from(bytes);
    wrongMagic[0] = 0x12;
    await expectDataError(() => parseIdx(wrongMagic, 'wm.idx'), 'wm.idx', 'magic number', '0x12000803');
    const floatType = Uint8Array.from(bytes);
    floatType[2] = 0x0d;
    await expectDataError(() => parseIdx(floatType, 'f.idx'), 'f.idx', 'unsigned byte', 'float');
    await expectDataError(() => parseIdx(bytes.subarray(0, bytes.length - 1), 't.idx'), 't.idx', `expected ${bytes.length} bytes`, `${bytes.length - 1} bytes (truncated)`);
    await expectDataError(() => parseIdx(Buffer.concat([bytes, Buffer.from([1])]), 'l.idx'), 'l.idx', 'trailing bytes');
    await expectDataError(() => parseIdx(bytes.subarray(0, 9), 'h.idx'), 'h.idx', 'header', 'truncated');
    const gz = zlib.gzipSync(bytes);
    await expectDataError(() => gunzipIfNeeded(gz.subarray(0, gz.length - 6), 'g.gz'), 'g.gz', 'gzip', 'truncated');
  });
});

describe('data/cifar-binary', () => {
  it('converts planar CHW records to NHWC, labels first', () => {
    const rng = createRng(3);
    const pixels = Uint8Array.from({ length: 3 * 32 * 32 * 3 }, () => rng.int(256));
    const labels = Uint8Array.from([7, 0, 9]);
    const file = cifarBytes(pixels, labels);
    // Hand check of the layout: record 1, green channel, pixel (y=2, x=5) sits at 1 + 1024 + 2*32 + 5.
    assert.equal(file[3073 + 1 + 1024 + 2 * 32 + 5], pixels[((1 * 32 + 2) * 32 + 5) * 3 + 1]);
    const parsed = parseCifarBinary(file, 'b.bin');
    assert.equal(parsed.count, 3);
    assert.deepEqual(Array.from(parsed.labels), [7, 0, 9]);
    assert.deepEqual(Array.from(parsed.pixels), Array.from(pixels));
    const joined = concatCifarRecords([parsed, parseCifarBinary(file.subarray(0, 3073), 'c.bin')]);
    assert.equal(joined.count, 4);
    assert.deepEqual(Array.from(joined.labels), [7, 0, 9, 7]);
  });

  it('rejects wrong lengths and labels with the file, expectation and finding', async () => {
    const file = cifarBytes(new Uint8Array(2 * 3072), Uint8Array.from([1, 2]));
    await expectDataError(() => parseCifarBinary(file.subarray(0, 5000), 'short.bin'), 'short.bin', 'multiple of 3073', '5000 bytes = 1 records + 1927 bytes');
    await expectDataError(() => parseCifarBinary(new Uint8Array(0), 'empty.bin'), 'empty.bin', 'empty');
    const badLabel = Uint8Array.from(file);
    badLabel[3073] = 12;
    await expectDataError(() => parseCifarBinary(badLabel, 'label.bin'), 'label.bin', 'label 0..9', 'label 12 at byte 3073 (record 1)');
  });
});

describe('data readers under fuzzing', () => {
  // Random truncations, flipped bytes and random bytes: the readers must either parse or throw DataFormatError,
  // never another exception (RangeError, zlib errors, ...) and never hang.
  const accept = (read: () => unknown, what: string): 'parsed' | 'rejected' => {
    try {
      read();
      return 'parsed';
    } catch (err) {
      if (!(err instanceof DataFormatError)) throw new Error(`${what}: not a DataFormatError: ${String(err)}`);
      assert.ok(err.message.includes(err.file) && err.expected.length > 0 && err.found.length > 0, err.message);
      return 'rejected';
    }
  };

  it('IDX (raw and gzip) and CIFAR readers fail only with clean errors', () => {
    const rng = createRng(2024);
    const idx = idxBytes([5, 28, 28], Uint8Array.from({ length: 5 * 784 }, () => rng.int(256)));
    const idxGz = zlib.gzipSync(idx);
    const cifar = cifarBytes(Uint8Array.from({ length: 3 * 3072 }, () => rng.int(256)), Uint8Array.from([1, 5, 9]));
    const counts = { parsed: 0, rejected: 0 };
    for (let trial = 0; trial < 400; trial++) {
      const source = [idx, idxGz, cifar][trial % 3] as Uint8Array;
      let input: Uint8Array;
      const kind = rng.int(3);
      if (kind === 0) input = source.subarray(0, rng.int(source.length + 1));
      else if (kind === 1) {
        input = Uint8Array.from(source);
        for (let k = 0; k < 1 + rng.int(8); k++) input[rng.int(input.length)] = rng.int(256);
      } else input = Uint8Array.from({ length: rng.int(4000) }, () => rng.int(256));
      counts[accept(() => parseIdx(gunzipIfNeeded(input, 'fuzz.idx'), 'fuzz.idx'), `idx trial ${trial}`)]++;
      counts[accept(() => parseCifarBinary(input, 'fuzz.bin'), `cifar trial ${trial}`)]++;
    }
    // Both outcomes occur (flipped pixel bytes still parse), so the fuzzing reaches past the first check.
    assert.ok(counts.parsed > 20 && counts.rejected > 200, JSON.stringify(counts));
  });
});
