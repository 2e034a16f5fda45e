import * as fs from 'fs';

/**
 * Errors of the data area. Every problem with input files is reported as what was expected and what was found,
 * naming the file, so that a user can fix it without reading our code.
 */

/** A file exists (or should exist) but its content is not what the reader expects. */
export class DataFormatError extends Error {
  constructor(
    readonly file: string,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`${file}: expected ${expected}; found ${found}`);
    this.name = 'DataFormatError';
  }
}

/** A dataset (or model) was not found in any searched folder. */
export class DataNotFoundError extends Error {
  constructor(
    readonly dataset: string,
    readonly searched: readonly string[],
    readonly howToGet: string,
  ) {
    super(
      `${dataset} not found. Searched:\n${searched.map((s) => `  - ${s}`).join('\n')}\nHow to get it: ${howToGet}`,
    );
    this.name = 'DataNotFoundError';
  }
}

/** Reads a whole file; a missing or unreadable file becomes a DataFormatError that says what the file was for. */
export function readFileOrExplain(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const found = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder' : `an unreadable file (${String(err)})`;
    throw new DataFormatError(file, what, found);
  }
}
