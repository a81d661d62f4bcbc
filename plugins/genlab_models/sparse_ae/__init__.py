"""``sparse_ae``: a fully connected autoencoder with a sparsity penalty on its code."""

from genlab import RECONSTRUCT, SAMPLE, ModelSpec, hookimpl
from genlab_models.sparse_ae.config import SparseAEConfig


@hookimpl
def register_models(register):
    register(
        ModelSpec(
            name="sparse_ae",
            description="Sparse autoencoder: sigmoid code with a KL or L1 sparsity penalty",
            family="autoencoder",
            build="genlab_models.sparse_ae.model:build",
            config=SparseAEConfig,
            output_range=(0.0, 1.0),
            capabilities=frozenset({SAMPLE, RECONSTRUCT}),
            aliases=("sparse-ae",),
        )
    )
