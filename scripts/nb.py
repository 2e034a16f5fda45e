#!/usr/bin/python3
"""Tiny helper to write a tslab notebook from a list of (kind, source) cells: `nb.py OUT.ipynb < cells.txt`.
Cells in the input are separated by lines '%% md' or '%% code'. Notebooks are written without outputs."""
import sys
import nbformat

def main():
    out = sys.argv[1]
    text = sys.stdin.read()
    cells = []
    kind = None
    buf = []
    def flush():
        if kind is None:
            return
        src = "\n".join(buf).strip("\n")
        cells.append(nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src))
    for line in text.split("\n"):
        if line.startswith("%% "):
            flush()
            kind = line[3:].strip()
            buf = []
        else:
            buf.append(line)
    flush()
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "tslab", "display_name": "TypeScript (netstats tslab)", "language": "typescript"}
    nb.metadata["language_info"] = {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript"}
    nbformat.write(nb, out)

main()
