# JupyterHub configuration for a class taking metamap_edu on ONE server.
#
#   METAMAP_HUB_PASSWORD=<a shared class password> .venv/bin/jupyterhub -f classroom/jupyterhub_config.py
#
# Run it from the course's environment (the `.venv` of the README's set-up command, with the test
# extra or `pip install "jupyterhub>=5.3" "jupyterhub-idle-culler>=1.4"`), with JupyterHub's proxy
# on PATH (`npm install -g configurable-http-proxy`). Students open http://127.0.0.1:8000, log in
# with any user name and the class password, and land in the course's first notebook.
# A class too large for one server: classroom/values.yaml makes the same choices for
# Zero to JupyterHub on Kubernetes.
#
# Each choice below is measured or explained; figures come from `metamap-edu run` and
# `bench/classroom_load.py` (README, "Instructor notes").
import os
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (provided by JupyterHub when it reads this file)

COURSE = Path(__file__).resolve().parent.parent          # the course's folder (this file is in classroom/)
NOTEBOOKS = Path(os.environ.get("METAMAP_HUB_NOTEBOOKS", COURSE / "notebooks"))
ENV_BIN = Path(sys.prefix) / "bin"                       # the environment this hub runs in: the course's

# ---- where the hub listens ----------------------------------------------------------------------
# Loopback by default; put a TLS-terminating web server (or c.JupyterHub.ssl_cert/ssl_key) in
# front before opening it to a room: students type their password into this page.
c.JupyterHub.ip = os.environ.get("METAMAP_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("METAMAP_HUB_PORT", "8000"))

# ---- who may log in -----------------------------------------------------------------------------
# One shared class password, any user name (JupyterHub's SharedPasswordAuthenticator, the
# successor of DummyAuthenticator's password since JupyterHub 5.3). Good for a workshop; for a
# standing course use real accounts (PAMAuthenticator with system users, or an OAuthenticator).
_password = os.environ.get("METAMAP_HUB_PASSWORD", "")
if len(_password) < 8:
    raise SystemExit("classroom/jupyterhub_config.py: set METAMAP_HUB_PASSWORD to the class password "
                     f"(at least 8 characters; got {len(_password)})")
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = _password
c.Authenticator.allow_all = True

# ---- each student's server: the course's environment ---------------------------------------------
# The simple local-process spawner runs every student's server as the hub's own OS user, with a
# home of their own under METAMAP_HUB_HOMES. It isolates files by folder only, not by permission:
# right for a workshop on a machine used for nothing else. With real system accounts, use
# LocalProcessSpawner (or SystemdSpawner, which also enforces the memory limit below); the rest
# of this file applies unchanged.
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(
    os.environ.get("METAMAP_HUB_HOMES", "/tmp/metamap-hub-homes"), "{username}")
# The course's environment: its own jupyterhub-singleuser, so every student gets the same
# torch, the course package and JupyterLab with the widget extension (`metamap-edu doctor`).
c.Spawner.cmd = [str(ENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab/tree/notebooks/00_start_here.ipynb"
# JupyterLab refuses to start as root unless told to (a container, a CI machine).
c.Spawner.args = ["--ServerApp.allow_root=True"] if os.geteuid() == 0 else []
c.Spawner.environment = {
    # The course's environment first on PATH, and its kernel spec first: the `python3` kernel
    # then runs the course's Python even if another one is registered on the machine.
    "PATH": f"{ENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
    "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter"),
    # One thread per kernel. torch's intra-op pool and NumPy's BLAS read these at start
    # (OpenMP, MKL, OpenBLAS); every notebook also calls mm.set_threads(), which reads
    # OMP_NUM_THREADS. Thirty kernels with one thread each share the cores without fighting, and
    # one thread is what makes every student's printed numbers identical.
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
}
# Starting many servers at once on a small machine is slow (each imports JupyterLab):
# give them two minutes instead of JupyterHub's 60 s / 30 s.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# ---- memory per student ------------------------------------------------------------------------
# Measured with `metamap-edu run` (one thread, peak resident memory of the kernel): fast mode
# 290-861 MB over the ten notebooks; default mode 894 MB for notebook 08 (MiniLM loaded) and
# 850 MB for 07, the heaviest; the student's Jupyter server itself holds about 140 MB idle
# (bench/classroom_load.py). One open notebook therefore needs at most about 1.05 GB: the
# guarantee is 1 GB, and the 1.5 GB limit leaves room for a second, lighter notebook left open.
# JupyterHub passes both to the server as MEM_LIMIT / MEM_GUARANTEE (JupyterLab's resource
# display shows them); SystemdSpawner and KubeSpawner enforce them, the local-process spawner
# does not (culling idle servers is what keeps memory down on one server).
c.Spawner.mem_limit = "1.5G"
c.Spawner.mem_guarantee = "1G"
# CPU: one thread per kernel, so one core is the most a student's kernel can use.
c.Spawner.cpu_limit = 1.0

# ---- the course's notebooks in each new home ------------------------------------------------------
def copy_notebooks(spawner):
    """Before a server starts: copy the course's notebooks into the student's home.

    A notebook the student already has is left alone, so their work survives a restart;
    a notebook added to the course later reaches them at their next start.
    """
    home = Path(getattr(spawner, "home_dir", "") or os.path.expanduser(f"~{spawner.user.name}"))
    folder = home / "notebooks"
    # the exercise versions a student works in, and beside them the solutions folder
    for source, target in ((NOTEBOOKS, folder), (NOTEBOOKS / "solutions", folder / "solutions")):
        target.mkdir(parents=True, exist_ok=True)
        for notebook in sorted(source.glob("[0-9][0-9]*_*.ipynb")):
            if not (target / notebook.name).exists():
                shutil.copy2(notebook, target / notebook.name)


c.Spawner.pre_spawn_hook = copy_notebooks

# ---- idle culling --------------------------------------------------------------------------------
# jupyterhub-idle-culler, run by the hub as a service: a server idle for METAMAP_HUB_CULL_TIMEOUT
# seconds (default one hour: a lunch break) is stopped, and its kernels' memory returns to the
# machine. The notebooks stay in the home; the student starts again from the hub's page. The
# culler looks every sixth of the timeout (10 minutes for an hour).
_cull_timeout = int(os.environ.get("METAMAP_HUB_CULL_TIMEOUT", "3600"))
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={_cull_timeout}",
                f"--cull-every={max(1, _cull_timeout // 6)}"],
}]
# only the permissions the culler needs (its README): list users, read activity, stop servers
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
