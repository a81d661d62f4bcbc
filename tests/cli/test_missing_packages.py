"""A missing package is expected, not a bug: one ``error:`` line naming it and its install
command, exit 2; "unexpected ... please report it" stays for real bugs."""

from __future__ import annotations

import sys

import pytest

from genlab import dependencies
from tests.cli.absent import run_without


def one_error_line(result) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    assert "unexpected" not in lines[0] and "please report" not in lines[0], lines[0]
    return lines[0]


def test_no_tensorflow_names_it_and_the_install_command():
    result = run_without(["tensorflow"], "run", "dcgan", "--epochs", "1")
    assert result.returncode == 2, result.stderr
    line = one_error_line(result)
    assert "tensorflow" in line.lower() and "not installed" in line
    assert "pip install tensorflow" in line
    if dependencies.installed("jax"):  # the backend that would work, as the option run has
        assert "--backend jax" in line


def test_no_keras_backend_at_all_says_the_same():
    result = run_without(["tensorflow", "jax", "torch"], "run", "dcgan", "--epochs", "1")
    assert result.returncode == 2, result.stderr
    assert "pip install tensorflow" in one_error_line(result)


def test_listing_needs_no_tensorflow():
    result = run_without(["tensorflow"], "list")
    assert result.returncode == 0, result.stderr
    assert "dcgan" in result.stdout


@pytest.mark.parametrize("args", [["sample", "RUN", "-o", "x.png"], ["explore", "RUN"]])
def test_no_tensorflow_for_a_command_that_loads_a_run(args):
    result = run_without(["tensorflow"], *args)
    assert result.returncode == 2, result.stderr
    assert "pip install tensorflow" in one_error_line(result)


@pytest.mark.parametrize(
    ("there", "option", "expected"),
    [
        ({"jax"}, True, "or use JAX, which is installed: --backend jax (or GENLAB_BACKEND=jax)"),
        ({"jax"}, False, "or use JAX, which is installed: set GENLAB_BACKEND=jax"),
        ({"jax", "torch"}, True, "or use JAX and PyTorch, which are installed: --backend jax"),
        (set(), True, ""),
    ],
)
def test_no_tensorflow_names_the_backend_that_would_work(monkeypatch, there, option, expected):
    monkeypatch.setattr(dependencies, "installed", lambda name: name in there)
    line = dependencies.missing_message("tensorflow", backend_option=option)
    assert line.startswith("TensorFlow is not installed, and genlab runs on it by default")
    assert "Fix: pip install tensorflow" in line and expected in line, line
    if not there:
        assert "--backend" not in line and "GENLAB_BACKEND" not in line


def test_a_missing_chosen_backend_points_back_to_tensorflow(monkeypatch):
    monkeypatch.setattr(dependencies, "installed", lambda name: name == "tensorflow")
    line = dependencies.missing_message("jax", backend_option=True)
    assert line.startswith("JAX, the Keras backend asked for, is not installed")
    assert "pip install" in line and "jax" in line and "--backend tensorflow" in line, line


def test_explore_tsne_without_scikit_learn(cli, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    result = cli("explore", tmp_path, "--method", "tsne")
    assert result.returncode == 2, result.stderr
    line = one_error_line(result)
    assert "scikit-learn" in line and "pip install 'genlab[explore]'" in line
    assert "use --method pca" in line


def test_tune_without_optuna(cli, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "optuna", None)
    result = cli("tune", "gan", "--trials", "2", "--out", tmp_path / "search")
    assert result.returncode == 2, result.stderr
    line = one_error_line(result)
    assert "needs Optuna" in line and "pip install 'genlab[tune]'" in line
    assert not (tmp_path / "search").exists(), "nothing starts without Optuna"


def test_compare_search_without_optuna(cli, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "optuna", None)
    result = cli("compare", "gan", "vae", "--search", "2", "--out", tmp_path / "c")
    assert result.returncode == 2, result.stderr
    assert "pip install 'genlab[tune]'" in one_error_line(result)


def test_ray_executor_without_ray(cli, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)
    result = cli("compare", "gan", "vae", "--executor", "ray", "--out", tmp_path / "c")
    assert result.returncode == 2, result.stderr
    line = one_error_line(result)
    assert "--executor ray needs Ray" in line and "pip install 'genlab[ray]'" in line


def test_a_real_bug_is_still_unexpected(cli, monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr("genlab.cli._warn_about_plugins", broken)
    result = cli("run", "dcgan")
    assert result.returncode == 1
    assert "error: unexpected RuntimeError: boom (rerun with --debug" in result.stderr
    assert "please report it" in result.stderr


def test_a_missing_genlab_module_is_a_bug(cli, monkeypatch):
    def broken():
        raise ModuleNotFoundError("No module named 'genlab.nosuch'", name="genlab.nosuch")

    monkeypatch.setattr("genlab.cli._warn_about_plugins", broken)
    result = cli("run", "dcgan")
    assert result.returncode == 1 and "unexpected ModuleNotFoundError" in result.stderr


def test_a_package_that_lacks_a_module_is_not_called_missing():
    exc = ModuleNotFoundError("No module named 'numpy.nosuch'", name="numpy.nosuch")
    assert dependencies.missing_from(exc) is None  # numpy is there: a version problem, a bug


def test_a_missing_package_found_behind_another_error(monkeypatch):
    monkeypatch.setattr(dependencies, "installed", lambda name: False)
    try:
        try:
            raise ModuleNotFoundError("No module named 'optuna'", name="optuna")
        except ImportError as exc:
            raise RuntimeError("could not start the search") from exc
    except RuntimeError as exc:
        line = dependencies.missing_from(exc)
    assert line is not None and "pip install 'genlab[tune]'" in line
