"""The offline guarantee: importing the package and running a whole fast pipeline
opens no outbound connection; kernels started by the tests have outbound network blocked too.

* ``test_full_pipeline_makes_no_network_connection`` starts a fresh Python whose socket functions
  (``socket.socket.connect``/``connect_ex``/``sendto``, ``socket.create_connection``,
  ``socket.getaddrinfo``) record and refuse every non-loopback address *before* ``import
  metamap_edu``, then generates tasks, fits a model, runs the sequential trainer with a
  regularizer, takes a meta-learning step, pretrains a tiny transformer, saves and reloads it,
  and runs the environment check. Nothing may have tried the network.
* :mod:`metamap_edu.tools._netguard` is the guard ``tests/conftest.py`` switches on for the whole test
  session (``METAMAP_EDU_BLOCK_NETWORK=1``): it reaches every kernel through a
  ``sitecustomize`` on ``PYTHONPATH``; the notebook-marked test checks a real kernel.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from metamap_edu.tools import _netguard

PIPELINE = r'''
import ipaddress, socket, sys, tempfile, os
attempts = []

def _local(address):
    if isinstance(address, (str, bytes)):
        return True
    host = str(address[0]) if isinstance(address, tuple) and address else ""
    if host in ("", "localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False

def _guard(orig, what):
    def guarded(*args, **kwargs):
        address = args[-1] if what in ("connect", "sendto") else args[0]
        if what == "getaddrinfo":
            address = (args[0], args[1])
            if args[0] is None:
                return orig(*args, **kwargs)
        if not _local(address):
            attempts.append((what, repr(address)))
            raise OSError(f"test: network blocked ({what} {address!r})")
        return orig(*args, **kwargs)
    return guarded

socket.socket.connect = _guard(socket.socket.connect, "connect")
socket.socket.connect_ex = _guard(socket.socket.connect_ex, "connect")
socket.socket.sendto = _guard(socket.socket.sendto, "sendto")
socket.create_connection = _guard(socket.create_connection, "create_connection")
socket.getaddrinfo = _guard(socket.getaddrinfo, "getaddrinfo")

import metamap_edu as mm
print("heavy after import", sorted(m for m in ("ipywidgets", "matplotlib", "transformers", "sentence_transformers",
                                               "IPython", "papermill", "jupyter_client") if m in sys.modules))
from metamap_edu import course  # every notebook imports these
from metamap_edu.tools import doctor
from metamap_edu.learn import pretraining as pretrain

mm.set_threads(1)
mm.set_seed(0)
fam = mm.sentiment_family(domains=["movies", "books", "travel"], n_per_task=40, seed=0)
vocab = mm.WordVocab([w for t in fam for x in t.inputs for w in mm.word_tokenize(x)])
model = mm.BagOfWordsClassifier(vocab, fam[0].labels)
mm.fit(model, fam[0], steps=5, progress=False)
result = mm.SequentialTrainer(model, regularizer=mm.L2ToPrevious(1.0), steps_per_task=5,
                              progress=False).run(list(fam))
sampler = mm.EpisodeSampler(fam, n_way=2, k_shot=2, n_query=2, seed=0)
mm.meta_train(mm.Reptile(model, inner_steps=2), sampler, meta_batch_size=2, iterations=1, progress=False)
texts = mm.corpus(60, seed=0)
config = mm.TransformerConfig(context=32, width=16, depth=1, heads=2, mlp_ratio=2)
lm = mm.new_pretraining_model(texts, config=config, vocab_size=450)
pretrain.pretrain(lm, texts, steps=2, batch_size=4, progress=False)
path = os.path.join(tempfile.mkdtemp(), "lm.pt")
mm.save_checkpoint(lm, path)
mm.load_checkpoint(path, like=lm)
doctor.run_checks()
print("pipeline ok", result.R.shape)
print("attempts", attempts)
'''


@pytest.fixture(scope="module")
def pipeline_output():
    env = dict(os.environ, TQDM_DISABLE="1", OMP_NUM_THREADS="1")
    env.pop("MPLBACKEND", None)
    proc = subprocess.run([sys.executable, "-c", PIPELINE], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.splitlines()


def test_full_pipeline_makes_no_network_connection(pipeline_output):
    assert any(line.startswith("pipeline ok") for line in pipeline_output), pipeline_output
    assert "attempts []" in pipeline_output, f"the package tried to reach the network: {pipeline_output[-1]}"


def test_import_metamap_edu_stays_light(pipeline_output):
    """``import metamap_edu`` never pulls in widgets, plotting, Jupyter or Hugging Face packages."""
    assert "heavy after import []" in pipeline_output, pipeline_output[0]


# ---------------------------------------------------------------------------------------------
# the guard used for kernels
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("address", ["/tmp/x.sock", ("127.0.0.1", 80), ("127.8.9.1", 1), ("::1", 8888, 0, 0),
                                     ("localhost", 22), ("", 5)])
def test_loopback_addresses_are_allowed(address):
    assert _netguard.is_loopback(address)


@pytest.mark.parametrize("address", [("93.184.216.34", 80), ("10.0.0.1", 443), ("2001:db8::1", 80, 0, 0),
                                     ("example.com", 443), None, 5])
def test_other_addresses_are_not_loopback(address):
    assert not _netguard.is_loopback(address)


@pytest.fixture
def guarded():
    was = _netguard.installed()
    _netguard.install()
    yield
    if not was:
        _netguard.uninstall()


def test_guard_blocks_outbound_and_allows_loopback(guarded):
    for connect in (lambda: socket.create_connection(("192.0.2.1", 80), timeout=0.1),
                    lambda: socket.socket().connect(("192.0.2.1", 80)),
                    lambda: socket.socket().connect_ex(("192.0.2.1", 80)),
                    lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("192.0.2.1", 53)),
                    lambda: socket.getaddrinfo("example.com", 443)):
        with pytest.raises(OSError, match="network access blocked"):
            connect()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        client = socket.create_connection(server.getsockname(), timeout=5)
        client.close()
    finally:
        server.close()


def test_guard_env_reaches_child_processes():
    env = _netguard.guard_env({k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert env[_netguard.ENV_VAR] == "1"
    code = ("import socket\n"
            "try:\n    socket.create_connection(('192.0.2.1', 80), timeout=0.1)\n"
            "except OSError as e:\n    print(type(e).__name__)\n")
    proc = subprocess.run([sys.executable, "-S", "-c", "import site; site.main();" + code.replace("\n", "\n")],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "NetworkBlockedError", proc.stderr


def test_the_test_session_runs_with_the_guard_on():
    if os.environ.get(_netguard.ENV_VAR) != "1":
        pytest.skip(f"{_netguard.ENV_VAR} is switched off for this session")
    assert _netguard.installed()
    assert _netguard.sitecustomize_dir() in os.environ.get("PYTHONPATH", "")
    from metamap_edu.tools import runner as notebook_runner

    env = notebook_runner.kernel_env()
    assert env[_netguard.ENV_VAR] == "1" and _netguard.sitecustomize_dir() in env["PYTHONPATH"]


@pytest.mark.notebook
def test_a_kernel_started_for_the_notebooks_cannot_reach_the_network():
    pytest.importorskip("jupyter_client")
    from jupyter_client.manager import start_new_kernel

    from metamap_edu.tools import runner as notebook_runner

    env = notebook_runner.kernel_env({_netguard.ENV_VAR: "1"})
    km, kc = start_new_kernel(kernel_name="python3", env=env, startup_timeout=120)
    try:
        code = ("import socket\n"
                "try:\n    socket.create_connection(('192.0.2.1', 80), timeout=0.1); print('CONNECTED')\n"
                "except OSError as e:\n    print(type(e).__name__)\n")
        outputs = []
        kc.execute_interactive(code, timeout=60, output_hook=lambda msg: outputs.append(msg))
        text = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
        assert text.strip() == "NetworkBlockedError", text
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
