"""The kernel every headless run uses, and the papermill child process of ``metamap-edu run``.

Kept free of package imports (no torch): ``run_notebook`` starts this file as a *script*,
``python .../_kernel.py IN OUT CWD CELL_TIMEOUT FAST``, so the child starts in a fraction of
the time an ``import metamap_edu`` would take.
"""
from __future__ import annotations

import sys

KERNEL_NAME = "python3"
KERNEL_DISPLAY_NAME = "Python 3 (ipykernel)"
KERNEL_STARTUP_TIMEOUT = 60


def current_env_kernel_manager():
    """An ``AsyncKernelManager`` class whose kernel is ``sys.executable -m ipykernel_launcher``.

    Whatever ``python3`` kernelspec is registered on the machine (another venv, a system
    Python) is ignored: the kernel always runs in the environment that runs the course.
    """
    from jupyter_client.kernelspec import KernelSpec  # heavy: the kernel machinery, for a run only
    from jupyter_client.manager import AsyncKernelManager  # heavy, as above

    class CurrentEnvKernelManager(AsyncKernelManager):
        @property
        def kernel_spec(self):
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(
                    argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    display_name=KERNEL_DISPLAY_NAME, language="python", resource_dir="",
                    name=KERNEL_NAME)
            return self._kernel_spec

    return CurrentEnvKernelManager


def papermill_child(args: list[str]) -> int:
    """Execute one notebook with papermill; errors go to stderr as ``METAMAP_ERROR name: message``."""
    import papermill  # heavy: the child process of a run imports it, nothing else does

    input_path, output_path, cwd, cell_timeout, fast = args
    parameters = {"FAST": True} if fast == "1" else {}
    try:
        papermill.execute_notebook(
            input_path, output_path, parameters=parameters, kernel_name=KERNEL_NAME, cwd=cwd,
            execution_timeout=int(max(1, round(float(cell_timeout)))), progress_bar=False,
            start_timeout=KERNEL_STARTUP_TIMEOUT, request_save_on_cell_execute=True,
            kernel_manager_class=current_env_kernel_manager(), shutdown_kernel="immediate",
        )
    except Exception as exc:  # reported to the parent through stderr and the output notebook
        lines = [line for line in str(exc).strip().splitlines() if line.strip() and not set(line) <= set("-")]
        sys.stderr.write(f"METAMAP_ERROR {type(exc).__name__}: {lines[-1] if lines else ''}\n")
        return 1
    return 0


if __name__ == "__main__":
    # Run as a script, Python puts this folder first on sys.path; drop it so that the package's
    # modules (site.py, ...) never shadow a third-party module of the same name.
    import os  # run as a script: only then is the path fixed

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    sys.exit(papermill_child(sys.argv[1:]))
