#!/usr/bin/python3
"""Executes one notebook headless with nbclient and the project's tslab kernel.

Streams the kernel's stdout/stderr (progress bars, logs) to this process live, one line per cell start, and on a
failing cell prints the cell's source and its real error (tslab writes compile and runtime errors to the cell's
stderr stream, which nbclient's CellExecutionError message does not include). Exit codes: 0 ok, 1 a cell failed,
2 bad usage or the kernel could not start, 3 the executed notebook could not be written, 4 the process that started
this one is gone (this runner then exits at once; the kernel's guard.cjs ends the kernel when this runner is gone).

Usage: run_notebook.py NOTEBOOK.ipynb [--out EXECUTED.ipynb] [--timeout SECONDS]
Run with Debian's /usr/bin/python3 (python3-nbclient, python3-ipykernel, jupyter-nbconvert).
"""
import argparse
import os
import sys
import threading
import time

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, DeadKernelError, CellTimeoutError
except ImportError as err:  # pragma: no cover - environment problem, reported plainly
    sys.stderr.write(
        f"run_notebook: {err}. Install Debian's packages: apt-get install jupyter-nbconvert python3-nbclient "
        "python3-ipykernel (and run this script with /usr/bin/python3)\n"
    )
    sys.exit(2)


class StreamingClient(NotebookClient):
    """NotebookClient that echoes stream output as it arrives."""

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] == "stream":
            target = sys.stdout if msg["content"].get("name") == "stdout" else sys.stderr
            target.write(msg["content"].get("text", ""))
            target.flush()
        return super().output(outs, msg, display_id, cell_index)


def cell_stderr(cell):
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            parts.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            parts.append(f"{out.get('ename', '')}: {out.get('evalue', '')}\n" + "\n".join(out.get("traceback", [])))
    return "".join(parts).strip()


def exit_with_parent():
    """Exits (code 4) as soon as the process that started this runner is gone: an orphaned runner would keep its
    kernel alive. Watched: the parent (its pid changes when it dies) and the netstats runner (NETSTATS_RUNNER_PID)."""
    parent = os.getppid()
    try:
        runner = int(os.environ.get("NETSTATS_RUNNER_PID", "0"))
    except ValueError:
        runner = 0

    def alive(pid):
        try:
            os.kill(pid, 0)
            return True
        except PermissionError:
            return True
        except OSError:
            return False

    def watch():
        while True:
            time.sleep(0.25)
            if os.getppid() != parent or (runner > 1 and not alive(runner)):
                os._exit(4)

    threading.Thread(target=watch, daemon=True).start()


def write_executed(nb, out):
    """Writes the executed notebook through a temp file of this process beside `out`, so that concurrent runs of one
    notebook never share a temp file and readers never see half a notebook. Returns an error text or None."""
    folder = os.path.dirname(os.path.abspath(out))
    tmp = os.path.join(folder, f".tmp-{os.path.basename(out)}-{os.getpid()}-{int(time.time() * 1000)}")
    try:
        os.makedirs(folder, exist_ok=True)
        nbformat.write(nb, tmp)
        os.replace(tmp, out)
        return None
    except OSError as err:
        try:
            os.remove(tmp)
        except OSError:
            pass
        return f"could not write the executed notebook to {out}: {err}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook")
    ap.add_argument("--out", default=None)
    ap.add_argument("--timeout", type=int, default=None, help="per-cell timeout in seconds (default none)")
    args = ap.parse_args()
    exit_with_parent()

    nb = nbformat.read(args.notebook, as_version=4)
    name = os.path.basename(args.notebook)
    cwd = os.path.dirname(os.path.abspath(args.notebook))
    client = StreamingClient(
        nb,
        timeout=args.timeout,
        # After a cell's reply, nbclient waits this long for the rest of its output and then stops collecting: with
        # the default 4 s, a cell that printed 1,500 lines on a loaded machine lost the last few hundred without an
        # error. Output that is still arriving is worth waiting for.
        iopub_timeout=60,
        # The tslab kernel compiles TypeScript before it answers; on a loaded 2-core machine that took more than
        # nbclient's default 60 s and the run failed before its first cell.
        startup_timeout=300,
        kernel_name="tslab",
        resources={"metadata": {"path": cwd}},
        allow_errors=False,
        record_timing=True,
    )
    started = time.time()

    def on_cell_start(cell, cell_index):
        if cell.get("cell_type") == "code":
            sys.stderr.write(f"[{name}] cell {cell_index} ({time.time() - started:.1f}s)\n")
            sys.stderr.flush()

    client.on_cell_start = on_cell_start
    failed_index = None
    try:
        client.execute()
    except CellExecutionError:
        failed_index = next(
            (i for i, c in enumerate(nb.cells) if any(o.get("output_type") == "error" for o in c.get("outputs", []))),
            None,
        )
        if failed_index is None:
            # tslab reports compile errors on stderr and a bare error; find the last executed code cell.
            executed = [i for i, c in enumerate(nb.cells) if c.get("cell_type") == "code" and c.get("execution_count")]
            failed_index = executed[-1] if executed else 0
    except (DeadKernelError, CellTimeoutError) as err:
        sys.stderr.write(f"\n[{name}] kernel died or timed out: {err}\n")
        failed_index = -1
    write_error = write_executed(nb, args.out) if args.out else None
    if write_error:
        sys.stderr.write(f"\n[{name}] {write_error}\n")

    if failed_index is not None:
        if failed_index >= 0:
            cell = nb.cells[failed_index]
            bar = "=" * 72
            sys.stderr.write(
                f"\n{bar}\nFAILED: {name}, cell {failed_index}\n--- source ---\n{cell.get('source', '')}\n"
                f"--- error (cell stderr) ---\n{cell_stderr(cell) or '(no stderr output)'}\n{bar}\n"
            )
        return 1
    if write_error:
        return 3
    sys.stderr.write(f"[{name}] done in {time.time() - started:.1f}s\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
