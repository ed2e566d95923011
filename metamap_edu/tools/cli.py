"""The ``metamap-edu`` command: ``doctor``, ``build``, ``run``, ``student``, ``nbgrader``, ``site``, ``reproduce``, ``pretrain``.

    metamap-edu doctor                       check this machine; exit 1 on a problem
    metamap-edu build [SRC...]               notebooks/src/NN_*.py -> executed notebooks/NN_*.ipynb
                                             (exercise versions) and notebooks/solutions/NN_*.ipynb
    metamap-edu student [--out DIR]          clean exercise copies (stubs, no outputs) to hand out
    metamap-edu nbgrader [NN...] [--out DIR] an nbgrader course folder of graded exercises
    metamap-edu run [--fast] [NOTEBOOK...]   execute stored notebooks, print seconds and memory
    metamap-edu pretrain [NAME...] [--check] rebuild the shipped checkpoints from their seeds

Each verb is a plain function ``cmd_<verb>(args) -> int`` so tests call it without a subprocess.
The environment checks live in :mod:`metamap_edu.tools.doctor` (notebook 00 uses them too).
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

import torch

from .._checks import _show
from ..reproducibility import report_threads, set_threads
from . import build, doctor, graded, site, student
from . import run_report
from . import runner as nr
from .exercise_cells import find_exercises

__all__ = ["main", "build_parser"]


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _add_timeouts(p: argparse.ArgumentParser, cell: float, run: float) -> None:
    p.add_argument("--timeout-cell", type=_positive_seconds, default=cell, metavar="S",
                   help=f"seconds one cell may run before it is stopped (default {cell:g})")
    p.add_argument("--timeout-run", type=_positive_seconds, default=run, metavar="S",
                   help=f"seconds one whole notebook may run (default {run:g})")


# --------------------------------------------------------------------------------------------
# doctor
# --------------------------------------------------------------------------------------------
def cmd_doctor(args: argparse.Namespace) -> int:
    results = doctor.run_checks()
    print(doctor.format_checks(results))
    return 0 if all(r.ok for r in results) else 1


def cmd_lab_settings(args: argparse.Namespace) -> int:
    path = doctor.save_widget_state_by_default()
    print(f"JupyterLab in this environment now saves widget state with a notebook ({path})")
    return 0


# --------------------------------------------------------------------------------------------
# build
# --------------------------------------------------------------------------------------------
def cmd_build(args: argparse.Namespace) -> int:
    sources = [Path(s) for s in args.sources] or nr.find_sources()
    if not sources:
        print("build: no notebook sources found (expected notebooks/src/NN_name.py)", file=sys.stderr)
        return 2
    _report_threads("build (each notebook kernel)", 1)
    failed = 0
    for source in sources:
        if not source.is_file():
            print(f"build: {source} does not exist", file=sys.stderr)
            failed += 1
            continue
        print(f"build: executing {source.name} ...", flush=True)
        try:
            out = build.build_notebook(source, cell_timeout=args.timeout_cell, run_timeout=args.timeout_run)
        except nr.NotebookError as exc:
            print(f"build: FAILED {exc}", file=sys.stderr, flush=True)
            failed += 1
            continue
        except ImportError as exc:
            print(f"build: {exc}", file=sys.stderr)
            return 2
        print(f"build: wrote {_show_path(out)}", flush=True)
    if failed:
        print(f"build: {failed} of {len(sources)} notebook(s) failed", file=sys.stderr)
        return 1
    return 0


def _report_threads(command: str, n: int | None = None) -> None:
    """Print the torch thread count a command uses; warn when it exceeds the free cores.

    Every notebook calls ``set_threads(1)`` in its first cell, so a kernel of ``build``/``run``
    uses one thread whatever ``OMP_NUM_THREADS`` says.
    """
    report_threads(f"metamap-edu {command}", n)


def _show_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------------
# run
# --------------------------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace) -> int:
    notebooks = [Path(s) for s in args.notebooks] or nr.find_notebooks()
    if not notebooks:
        print("run: no notebooks found (expected notebooks/NN_name.ipynb)", file=sys.stderr)
        return 2
    missing = [n for n in notebooks if not n.is_file()]
    if missing:
        print(f"run: {', '.join(map(str, missing))} does not exist", file=sys.stderr)
        return 2
    modes = (True, False) if args.all_modes else (args.fast,)
    _report_threads("run (each notebook kernel)", 1)
    results = []
    for fast in modes:
        for notebook in notebooks:
            print(f"run: {notebook.name} ({'fast' if fast else 'default'} mode) ...", flush=True)
            result = nr.run_notebook(notebook, fast=fast, cell_timeout=args.timeout_cell,
                                     run_timeout=args.timeout_run, output_dir=args.output_dir)
            if not result.passed:
                print(f"run: FAILED {result.error}", file=sys.stderr, flush=True)
            results.append(result)
    print()
    print(run_report.format_table(results))
    if args.report_dir:
        json_path, md_path = run_report.write_report(results, args.report_dir)
        print(f"\nrun: report written to {_show_path(json_path)} and {_show_path(md_path)}")
    return 0 if all(r.passed for r in results) else 1


# ---- verb: reproduce (notebook 05) ----
def cmd_reproduce(args: argparse.Namespace) -> int:
    """`metamap-edu reproduce maml-sinusoid [--quick] [--json PATH]`: ours beside the paper's."""
    from ..experiments import table2 as rp  # heavy: the whole experiment stack, for this verb only

    set_threads()
    _report_threads("reproduce")
    cfg = dataclasses.replace(rp.QUICK if args.quick else rp.FULL, seed=args.seed)
    print(f"reproduce: MAML paper, Table 2 (5-shot sinusoid), {'quick' if args.quick else 'full'} run, "
          f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)", flush=True)
    result = rp.reproduce_maml_sinusoid(config=cfg, progress=sys.stderr.isatty())
    print(rp.format_table(result))
    if args.json:
        rp.write_json(result, args.json)
        print(f"reproduce: wrote {args.json}")
    return 0


# ---- verbs: site and student ----
def cmd_site(args: argparse.Namespace) -> int:
    """`metamap-edu site [--out DIR]`: HTML from the stored notebooks; exit 1 on a broken link."""
    try:
        pages = site.build_site(args.out, notebooks_dir=args.notebooks)
    except ValueError as exc:
        print(f"site: {exc}", file=sys.stderr)
        return 2
    problems = site.check_links(args.out)
    for problem in problems:
        print(f"site: broken link in {problem}", file=sys.stderr)
    print(f"site: wrote {len(pages)} pages to {_show_path(Path(args.out))} "
          f"(open {_show_path(pages[0])})")
    return 1 if problems else 0


def cmd_student(args: argparse.Namespace) -> int:
    """`metamap-edu student [--out DIR]`: notebooks with solution cells turned into stubs."""
    import nbformat  # heavy: notebook I/O, for this verb only

    try:
        written = student.write_student_versions(args.out, notebooks_dir=args.notebooks)
    except ValueError as exc:
        print(f"student: {exc}", file=sys.stderr)
        return 2
    for path in written:
        n = sum(student.STUB_TAG in c.metadata.get("tags", [])
                for c in nbformat.read(path, as_version=4).cells)
        print(f"student: {_show_path(path)} ({n} exercise{'s' if n != 1 else ''})")
    return 0


def cmd_nbgrader(args: argparse.Namespace) -> int:
    """`metamap-edu nbgrader [NN ...] [--out DIR]`: an nbgrader course folder of graded exercises."""
    try:
        written = graded.write_nbgrader_course(args.out, notebooks_dir=args.notebooks,
                                               names=args.names or None, points=args.points,
                                               fast=args.fast)
    except (ValueError, TypeError) as exc:
        print(f"nbgrader: {exc}", file=sys.stderr)
        return 2
    for path in written:
        exercises = find_exercises(student._solved(path))
        print(f"nbgrader: {_show_path(path)} ({len(exercises)} graded exercise"
              f"{'s' if len(exercises) != 1 else ''}, {args.points} point(s) each)")
    print(f"nbgrader: next, in {_show_path(Path(args.out))}: nbgrader generate_assignment "
          f"{written[0].parent.name}  (then release, collect, nbgrader autograde)")
    return 0


# ---- verb: pretrain ----
def cmd_pretrain(args: argparse.Namespace) -> int:
    """`metamap-edu pretrain [NAME...] [--out DIR] [--fast] [--check]`: rebuild shipped checkpoints."""
    from ..experiments import checkpoints as pretrained  # heavy: the whole experiment stack, for this verb only
    set_threads(1)  # the shipped files were made on one thread: the same bits need the same reductions
    _report_threads("pretrain")
    unknown = [n for n in args.names if n not in pretrained.NAMES]
    if unknown:
        print(f"pretrain: unknown checkpoint {unknown[0]!r}; allowed: {', '.join(pretrained.NAMES)}", file=sys.stderr)
        return 2
    names = args.names or list(pretrained.NAMES)
    names = [n for n in pretrained.NAMES if n in names]  # the lm before the model built on it
    check_dir = Path(tempfile.mkdtemp(prefix="metamap-pretrain-")) if args.check else None
    out = check_dir or (Path(args.out) if args.out else pretrained.CHECKPOINT_DIR)
    built: dict = {}
    worst = 0.0
    for name in names:
        recipe = pretrained.RECIPES[name]
        print(f"pretrain: {name}: {recipe.steps if not args.fast else recipe.fast().steps} steps "
              f"(recipe {pretrained.recipe_fingerprint(recipe)}{', fast' if args.fast else ''})", flush=True)
        model, losses = pretrained.build(name, fast=args.fast, base=built.get(recipe.base), progress=True)
        built[name] = model
        path = pretrained.save(name, model, losses, out)
        final = pretrained.checkpoint_info(name, path)["final_loss"]
        print(f"pretrain: {name}: loss {losses[0]:.3f} -> {final:.3f}; wrote {_show_path(path)}")
        if recipe.base is not None and not args.fast:
            scores = pretrained.held_out_scores(model)
            print("pretrain: " + name + " held-out scores: " + ", ".join(f"{k} {v:.3f}" for k, v in scores.items()))
        if check_dir is not None:
            shipped = pretrained.load_pretrained(name) if not args.fast else None
            if shipped is not None:
                diff = max(float((a - b).abs().max()) for a, b in zip(shipped.state_dict().values(), model.state_dict().values()))
                worst = max(worst, diff)
                print(f"pretrain: {name}: largest |difference| from the shipped parameters: {diff:.2e}")
    if check_dir is not None and not args.fast:
        ok = worst <= 1e-4
        print(f"pretrain: {'reproduced' if ok else 'NOT reproduced'} (largest parameter difference {worst:.2e}; torch {torch.__version__})")
        return 0 if ok else 1
    return 0


# --------------------------------------------------------------------------------------------
# parser
# --------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="metamap-edu",
        description="metamap_edu: a runnable course on meta-learning and pretraining for NLP.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("doctor", help="check Python, torch, widgets, matplotlib, threads and the cache dir")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("lab-settings", help="make JupyterLab save widget state with a notebook (run once after install)")
    p.set_defaults(func=cmd_lab_settings)

    p = sub.add_parser("build", help="execute notebooks/src/NN_*.py and write notebooks/NN_*.ipynb (exercise versions) "
                                     "and notebooks/solutions/NN_*.ipynb (maintainers)")
    p.add_argument("sources", nargs="*", metavar="SRC", help="percent sources (default: all of notebooks/src)")
    _add_timeouts(p, nr.DEFAULT_CELL_TIMEOUT, nr.DEFAULT_RUN_TIMEOUT)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("run", help="execute stored notebooks with papermill and report seconds and memory")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="notebooks (default: all of notebooks/)")
    p.add_argument("--fast", action="store_true", help="run with FAST = True (a few seconds per notebook)")
    p.add_argument("--all-modes", action="store_true",
                   help="run every notebook in fast mode, then in default mode (one table, one report)")
    _add_timeouts(p, nr.DEFAULT_CELL_TIMEOUT, nr.DEFAULT_RUN_TIMEOUT)
    p.add_argument("--report-dir", metavar="DIR", default=None,
                   help="also write run-report.json and run-report.md into DIR")
    p.add_argument("--output-dir", metavar="DIR", default=None,
                   help="where executed copies go (default: a new temporary folder)")
    p.set_defaults(func=cmd_run)


    # ---- verb: reproduce (notebook 05) ----
    p = sub.add_parser("reproduce", help="reproduce a paper's table: maml-sinusoid (MAML paper, Table 2)")
    p.add_argument("experiment", choices=["maml-sinusoid"], help="which table to reproduce")
    p.add_argument("--quick", action="store_true", help="a smaller run (<= 45 s on 2 cores) with the same code")
    p.add_argument("--json", metavar="PATH", default=None, help="write {row: [mse_1, mse_5, mse_10]} to PATH")
    p.add_argument("--seed", type=int, default=0, help="seed of every row (default 0)")
    p.set_defaults(func=cmd_reproduce)

    # ---- verbs: site and student ----
    p = sub.add_parser("site", help="build the static HTML site from the stored notebooks (nbconvert)")
    p.add_argument("--out", metavar="DIR", default="_site", help="output folder, emptied first (default _site)")
    p.add_argument("--notebooks", metavar="DIR", default=None, help="notebooks folder (default: notebooks/)")
    p.set_defaults(func=cmd_site)

    p = sub.add_parser("student", help="write student versions: solutions become stubs, checks stay")
    p.add_argument("--out", metavar="DIR", default="student", help="output folder (default student)")
    p.add_argument("--notebooks", metavar="DIR", default=None, help="notebooks folder (default: notebooks/)")
    p.set_defaults(func=cmd_student)

    p = sub.add_parser("nbgrader", help="write an nbgrader course folder: one graded assignment per notebook with exercises")
    p.add_argument("names", nargs="*", metavar="NN", help="notebooks to include, e.g. 02 03 (default: all with exercises)")
    p.add_argument("--out", metavar="DIR", default="nbgrader_course", help="course folder (default nbgrader_course)")
    p.add_argument("--notebooks", metavar="DIR", default=None, help="notebooks folder (default: notebooks/)")
    p.add_argument("--points", type=int, default=1, help="points per exercise (default 1)")
    p.add_argument("--fast", action="store_true", help="grade in each notebook's fast mode (FAST = True)")
    p.set_defaults(func=cmd_nbgrader)

    # ---- verb: pretrain ----
    p = sub.add_parser("pretrain", help="rebuild the shipped pretrained checkpoints from their seeds (lm, text2text, intents)")
    p.add_argument("names", nargs="*", metavar="NAME",
                   help="which checkpoints: lm, text2text, intents (default: all, lm first)")
    p.add_argument("--out", metavar="DIR", default=None, help="where to write NAME.pt (default: the package's checkpoints/)")
    p.add_argument("--fast", action="store_true", help="a hundredth of the steps: a quick smoke run, not a usable model")
    p.add_argument("--check", action="store_true",
                   help="rebuild into a temporary folder and compare with the shipped files; exit 1 if they differ")
    p.set_defaults(func=cmd_pretrain)

    return parser


def main(argv: list[str] | None = None) -> int:
    if argv is not None and (isinstance(argv, str) or not isinstance(argv, (list, tuple)) or not all(isinstance(a, str) for a in argv)):
        raise TypeError(f"argv must be None or a list of str such as ['doctor']; got {_show(argv)}")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
