/**
 * True inside a tslab Jupyter kernel: the kernel has loaded tslab's jupyter module and set its display hook (plain
 * Node, tests and the CLI never load it). Looked up in the module cache, not required: loading it would pull in
 * tslab's kernel code (a second or more) into every CLI run.
 */
export function insideNotebookKernel(): boolean {
  let file: string;
  try {
    file = require.resolve('tslab/dist/jupyter');
  } catch {
    return false;
  }
  const loaded = require.cache[file]?.exports as { lastWriteDisplayData?: unknown } | undefined;
  return loaded?.lastWriteDisplayData != null;
}
