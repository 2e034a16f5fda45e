import * as zlib from 'zlib';
import { DataFormatError, readFileOrExplain } from './errors';

/**
 * IDX reader (the MNIST / Fashion-MNIST file format, http://yann.lecun.com/exdb/mnist/): a 4-byte magic number
 * 0x00 0x00 <type> <ndim>, then ndim big-endian uint32 dimensions, then the values row-major. Only type 0x08
 * (unsigned byte) is used by image datasets and supported here. Files may be gzip-compressed.
 */
export interface IdxArray {
  dims: number[];
  /** The values, in a buffer of their own (not a view into the file). */
  data: Uint8Array;
}

const IDX_TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'short',
  0x0c: 'int',
  0x0d: 'float',
  0x0e: 'double',
};

/** Largest decompressed file we accept: far above any IDX image set (MNIST train is 47 MB), below a gzip bomb. */
const MAX_DECOMPRESSED_BYTES = 1 << 30;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Returns the bytes, gunzipped when they start with the gzip magic; corrupt gzip data is a DataFormatError. */
export function gunzipIfNeeded(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return zlib.gunzipSync(bytes, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
  } catch (err) {
    throw new DataFormatError(file, 'a complete gzip stream', `corrupt or truncated gzip data (${(err as Error).message})`);
  }
}

const hex = (n: number, digits: number): string => `0x${n.toString(16).padStart(digits, '0')}`;

/** Parses IDX bytes (already decompressed). `file` names the source in errors. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) {
    throw new DataFormatError(file, 'an IDX file (at least a 4-byte magic number)', `${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = bytes[2] as number;
  const ndim = bytes[3] as number;
  if (bytes[0] !== 0 || bytes[1] !== 0 || IDX_TYPE_NAMES[type] === undefined || ndim < 1 || ndim > 4) {
    throw new DataFormatError(
      file,
      'the IDX magic number 0x0000TTDD (TT a type code 08..0E, DD the number of dimensions 1..4; 0x00000801 for labels, 0x00000803 for images)',
      `magic number ${hex(magic, 8)}`,
    );
  }
  if (type !== 0x08) {
    throw new DataFormatError(file, 'IDX values of type 0x08 (unsigned byte)', `type ${hex(type, 2)} (${IDX_TYPE_NAMES[type]})`);
  }
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new DataFormatError(file, `an IDX header of ${headerBytes} bytes (${ndim} dimensions)`, `${bytes.length} bytes (truncated)`);
  }
  const dims: number[] = [];
  let size = 1;
  for (let d = 0; d < ndim; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    dims.push(n);
    size *= n;
  }
  if (size > MAX_DECOMPRESSED_BYTES) {
    throw new DataFormatError(file, `IDX dimensions with at most ${MAX_DECOMPRESSED_BYTES} values`, `dimensions ${dims.join('x')}`);
  }
  const expectedBytes = headerBytes + size;
  if (bytes.length !== expectedBytes) {
    const what = bytes.length < expectedBytes ? 'truncated' : 'trailing bytes';
    throw new DataFormatError(
      file,
      `${expectedBytes} bytes (${headerBytes}-byte header + ${dims.join('x')} values)`,
      `${bytes.length} bytes (${what})`,
    );
  }
  // Copy (Buffer#slice would return a view into the whole file).
  return { dims, data: new Uint8Array(bytes.subarray(headerBytes, expectedBytes)) };
}

/** Reads an IDX file, raw or gzip. `what` says what the file is for, in the error when it is missing. */
export function readIdxFile(file: string, what = 'an IDX file'): IdxArray & { content: Uint8Array } {
  const content = gunzipIfNeeded(readFileOrExplain(file, what), file);
  return { ...parseIdx(content, file), content };
}
