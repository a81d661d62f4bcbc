"""docs/plugins/gan-example.md is a working plugin: its files, as written, pass the contract."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from genlab.testing import (
    ModelUnderTest,
    check_every_network_trains,
    check_fit,
    check_float32_outputs_under_mixed_precision,
    check_sample,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins" / "gan-example.md"


@pytest.fixture(scope="module")
def tinygan(tmp_path_factory):
    root = tmp_path_factory.mktemp("tinygan")
    blocks = re.findall(r"```python\n# file: (\S+)\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert [name for name, _ in blocks] == [
        "genlab_tinygan/__init__.py",
        "genlab_tinygan/config.py",
        "genlab_tinygan/model.py",
    ]
    for name, code in blocks:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(code)
    sys.path.insert(0, str(root))
    try:
        import genlab_tinygan

        specs = []
        genlab_tinygan.register_models(register=specs.append)
        yield ModelUnderTest(specs[0], overrides={"hidden": 16, "latent_dim": 8}, steps=2)
    finally:
        sys.path.remove(str(root))
        for module in [m for m in sys.modules if m.startswith("genlab_tinygan")]:
            del sys.modules[module]


def test_the_documented_gan_trains_both_networks_and_samples(tinygan):
    assert tinygan.spec.name == "tinygan"
    check_fit(tinygan)
    check_every_network_trains(tinygan)
    check_sample(tinygan)
    check_float32_outputs_under_mixed_precision(tinygan)
