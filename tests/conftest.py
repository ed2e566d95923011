"""Test-session set-up shared by the unit tests and the notebook tests.

* Every kernel the suite starts (nbval, papermill) inherits this process's environment, so it is
  set here: ``TQDM_DISABLE=1`` (no progress bars in outputs) and no ``MPLBACKEND`` -- a kernel
  started with ``MPLBACKEND=Agg`` draws no figure and prints a warning instead, which would
  differ from the stored outputs. The *test process itself* draws with the Agg backend.
* ``MPLCONFIGDIR`` points at a folder made for this run, and matplotlib's font cache is built in
  it before any kernel starts: a stale or half-written cache in the user's ``~/.cache/matplotlib``
  (two installs at once can leave one) would otherwise make figure cells print font warnings.
* nbval has a per-cell timeout (``--nbval-cell-timeout`` in pyproject.toml) and pytest-timeout
  bounds every test item; :class:`NotebookRunGuard` adds the whole-notebook timeout: once a
  notebook has run longer than ``METAMAP_NBVAL_RUN_TIMEOUT`` seconds (default 900), its remaining
  cells fail at once with a message naming the notebook and the cell.
"""
from __future__ import annotations

import os
import tempfile
import time

os.environ["MPLCONFIGDIR"] = tempfile.mkdtemp(prefix="metamap-mpl-")

import matplotlib  # noqa: E402
import matplotlib.font_manager  # noqa: E402,F401  (builds the font cache in MPLCONFIGDIR now)
import pytest  # noqa: E402

os.environ["TQDM_DISABLE"] = "1"
os.environ.pop("MPLBACKEND", None)
# ---- offline guarantee ----
# This process, every kernel (nbval, papermill) and every child Python run with outbound network
# blocked, loopback allowed (metamap_edu/tools/_netguard.py). METAMAP_EDU_BLOCK_NETWORK=0 switches it off.
if os.environ.setdefault("METAMAP_EDU_BLOCK_NETWORK", "1") == "1":
    from metamap_edu.tools import _netguard

    _netguard.install()
    os.environ.update(_netguard.guard_env())
# ---- end offline guarantee ----
matplotlib.use("Agg")



@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():
    """Tests run torch on one thread, as the notebooks do (``mm.set_threads(1)``): results then
    match the notebooks', and two threads on a busy 2-core machine mostly spin."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# ---- the intent world (notebook 05b), shared by its claim tests and the few-shot unit tests ----
@pytest.fixture(scope="session")
def intent_world_80():
    """Notebook 05b's intent world: ``intent_split(intent_task(n_per_class=80, seed=1))``."""
    from metamap_edu.tasks import intents  # imports torch: only the tests that ask for it pay

    return intents.intent_split(intents.intent_task(n_per_class=80, seed=1))


@pytest.fixture(scope="session")
def pretrained_intents():
    """The shipped ``intents`` checkpoint (pretrained on unlabeled documents only)."""
    from metamap_edu.experiments import checkpoints  # imports torch: only the tests that ask for it pay

    return checkpoints.load_pretrained("intents")


NBVAL_RUN_TIMEOUT = float(os.environ.get("METAMAP_NBVAL_RUN_TIMEOUT", "900"))


class NotebookRunGuard:
    """Whole-run timeout for nbval: fail the rest of a notebook once its time budget is spent."""

    def __init__(self, limit: float):
        self.limit = limit
        self.started: dict[str, float] = {}

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        if type(item).__name__ != "IPyNbCell":
            return
        notebook = item.fspath.basename
        now = time.monotonic()
        start = self.started.setdefault(str(item.fspath), now)
        if now - start > self.limit:
            pytest.fail(f"{notebook}: whole run timed out after {self.limit:g} s (whole-run timeout); "
                        f"stopped before {item.name}", pytrace=False)


def pytest_configure(config):
    # pyproject's addopts name the sanitize file relative to the project root: resolve it there
    # so the suite also runs from another working directory.
    sanitize = getattr(config.option, "nbval_sanitize_with", None)
    if sanitize and not os.path.isabs(sanitize) and not os.path.exists(sanitize):
        candidate = config.rootpath / sanitize
        if candidate.exists():
            config.option.nbval_sanitize_with = str(candidate)
    if not config.pluginmanager.has_plugin("metamap-notebook-run-guard"):
        config.pluginmanager.register(NotebookRunGuard(NBVAL_RUN_TIMEOUT), "metamap-notebook-run-guard")
    config.addinivalue_line("markers", "notebook: executes notebooks (slower)")


# ---- the cross-CPU check runs beside the rest of the suite ----
# tests/notebooks/test_cross_cpu.py re-runs nbval and the claim tests under other CPU capabilities in child
# processes. The rest of the suite keeps about one core of two busy, so the children start as soon
# as the browser tests (which time widget updates) are done, and the module's tests, moved to the
# end, only collect their results.
_CROSS_CPU = "test_cross_cpu.py"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    cross = [item for item in items if item.path.name == _CROSS_CPU]
    if cross:
        items[:] = [item for item in items if item.path.name != _CROSS_CPU] + cross


def pytest_runtest_setup(item):
    module = _cross_cpu_module(item.session)
    if module is not None and "browser" not in item.path.parts:
        module.start_runs()


def pytest_sessionfinish(session, exitstatus):
    module = _cross_cpu_module(session)
    if module is not None:
        module.stop_runs()


_CROSS_CPU_MODULE: list = []   # [module or None], looked up once per session


def _cross_cpu_module(session):
    if not _CROSS_CPU_MODULE:
        found = [item.module for item in getattr(session, "items", ())
                 if item.path.name == _CROSS_CPU and hasattr(item, "module")]
        _CROSS_CPU_MODULE.append(found[0] if found else None)
    return _CROSS_CPU_MODULE[0]
