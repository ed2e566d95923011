"""The environment doctor (metamap_edu.tools.doctor): each check's verdict, the report, the JupyterLab settings."""
from __future__ import annotations

import json

import pytest

from metamap_edu.tools import cli
from metamap_edu.tools import doctor

# --------------------------------------------------------------------------------------------
# doctor: plain functions
# --------------------------------------------------------------------------------------------


def test_check_python():
    assert doctor.check_python((3, 11, 4)).status == "ok"
    bad = doctor.check_python((3, 9, 18))
    assert bad.status == "problem" and "3.10" in bad.advice and not bad.ok


def test_check_torch_cpu_cuda_and_old():
    assert doctor.check_torch("2.13.0+cpu", None).status == "ok"
    assert "CPU build" in doctor.check_torch("2.13.0+cpu", None).found
    cuda = doctor.check_torch("2.5.1+cu121", "12.1")
    assert cuda.status == "warn" and cuda.ok and "CPU build" in cuda.advice
    old = doctor.check_torch("2.1.2", None)
    assert old.status == "problem" and "2.3" in old.advice


def test_check_torch_installed_here_is_the_cpu_build():
    result = doctor.check_torch()
    assert result.status == "ok", result


@pytest.mark.parametrize("version, status", [("8.1.5", "ok"), ("7.8.1", "problem"), (None, "problem")])
def test_check_ipywidgets(version, status, monkeypatch):
    if version is None:
        monkeypatch.setattr(doctor, "_dist_version", lambda name: None)
    assert doctor.check_ipywidgets(version).status == status


def test_check_widget_extension(tmp_path, monkeypatch):
    ext = tmp_path / "ok" / "@jupyter-widgets" / "jupyterlab-manager"
    ext.mkdir(parents=True)
    assert doctor.check_widget_extension("3.0.11", "4.2.0", [tmp_path / "ok"]).status == "ok"
    unseen = doctor.check_widget_extension("3.0.11", "4.2.0", [tmp_path / "empty"])
    assert unseen.status == "problem" and ".venv" in unseen.advice
    monkeypatch.setattr(doctor, "_dist_version", lambda name: None)
    assert "JupyterLab is not installed" in doctor.check_widget_extension().found
    assert "jupyterlab_widgets" in doctor.check_widget_extension(None, "4.2.0", []).found


def test_check_widget_extension_installed_here():
    assert doctor.check_widget_extension().status == "ok"


def test_check_matplotlib():
    assert doctor.check_matplotlib("agg", in_kernel=False).status == "ok"
    assert doctor.check_matplotlib("module://matplotlib_inline.backend_inline", in_kernel=True).status == "ok"
    bad = doctor.check_matplotlib("Agg", in_kernel=True)
    assert bad.status == "problem" and "MPLBACKEND" in bad.advice


@pytest.mark.parametrize("omp, status", [(None, "ok"), ("", "ok"), ("1", "ok"), ("2", "ok"), ("8", "warn"),
                                         ("0", "problem"), ("two", "problem")])
def test_check_threads(omp, status, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert doctor.check_threads(omp if omp is not None else "", cpu_count=2).status == status


def test_cache_dir_and_check(tmp_path, monkeypatch):
    monkeypatch.setenv("METAMAP_EDU_CACHE", str(tmp_path / "cache"))
    assert doctor.cache_dir() == tmp_path / "cache"
    assert doctor.check_cache_dir().status == "ok"
    assert (tmp_path / "cache").is_dir()
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    bad = doctor.check_cache_dir(blocker / "sub")
    assert bad.status == "problem" and "METAMAP_EDU_CACHE" in bad.advice
    monkeypatch.delenv("METAMAP_EDU_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert doctor.cache_dir() == tmp_path / "xdg" / "metamap_edu"


def test_format_checks_hides_details_and_counts_problems():
    results = [doctor.Check("python", "ok", "Python 3.11.7"),
               doctor.Check("threads", "problem", "OMP_NUM_THREADS='x'", "set it to 1")]
    short = doctor.format_checks(results, details=False)
    assert "3.11.7" not in short and "PROBLEM" in short and "-> set it to 1" in short
    assert "1 problem(s)" in short
    assert "Python 3.11.7" in doctor.format_checks(results)
    assert "Everything" in doctor.format_checks(results[:1])


def test_doctor_command_exit_codes(monkeypatch, capsys):
    monkeypatch.setattr(doctor, "CHECKS", (lambda: doctor.Check("python", "ok", "fine"),))
    assert cli.main(["doctor"]) == 0
    monkeypatch.setattr(doctor, "CHECKS", (lambda: doctor.Check("torch", "problem", "missing", "install it"),
                                           lambda: doctor.Check("python", "warn", "old-ish", "upgrade")))
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM" in out and "install it" in out and "WARNING" in out


def test_doctor_reports_a_crashing_check_as_a_problem(monkeypatch):
    def boom():
        raise RuntimeError("oops")

    monkeypatch.setattr(doctor, "CHECKS", (boom,))
    (result,) = doctor.run_checks()
    assert result.status == "problem" and "oops" in result.found


def test_lab_settings_make_jupyterlab_save_widget_state_by_default(tmp_path, monkeypatch, capsys):
    """`metamap-edu lab-settings` writes overrides.d/metamap_edu.json where this environment's
    JupyterLab reads default settings, and JupyterLab's own reader finds saveState = true in it.
    (tests/browser checks the effect: a saved notebook shows its widgets again when reopened.)"""
    from jupyterlab_server.settings_utils import _get_overrides

    monkeypatch.setattr(doctor.sys, "prefix", str(tmp_path))
    settings = tmp_path / "share" / "jupyter" / "lab" / "settings"
    assert doctor.lab_settings_dir() == settings
    (settings / "overrides.d").mkdir(parents=True)
    (settings / "overrides.d" / "other_package.json").write_text('{"a:plugin": {"x": 1}}', encoding="utf-8")
    assert cli.main(["lab-settings"]) == 0
    assert "saves widget state" in capsys.readouterr().out
    overrides, error = _get_overrides(str(settings))
    assert not error
    assert overrides["@jupyter-widgets/jupyterlab-manager:plugin"] == {"saveState": True}
    assert overrides["a:plugin"] == {"x": 1}  # another package's defaults are kept
    path = doctor.save_widget_state_by_default()  # again: same file, same content
    assert path == settings / "overrides.d" / "metamap_edu.json"
    assert json.loads(path.read_text(encoding="utf-8")) == doctor.WIDGET_STATE_OVERRIDE
    with pytest.raises((TypeError, ValueError), match="prefix"):
        doctor.save_widget_state_by_default(prefix=3.5)


def test_lab_settings_name_the_file_it_cannot_write(tmp_path):
    blocker = tmp_path / "share"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    with pytest.raises(OSError, match="overrides.d.*Save Widget State"):
        doctor.save_widget_state_by_default(tmp_path)


def test_run_checks_covers_everything():
    names = [r.name for r in doctor.run_checks()]
    assert names == ["python", "torch", "ipywidgets", "widget extension", "matplotlib", "threads", "cache dir"]
