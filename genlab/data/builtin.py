"""Built-in datasets, registered through the same hook as third-party ones."""

from genlab import DatasetSpec, hookimpl


@hookimpl
def register_datasets(register):
    register(
        DatasetSpec(
            name="fashion",
            description="Fashion-MNIST: 70k 28x28 grayscale clothing images, 10 classes",
            load="genlab.data.sources:load_fashion",
            aliases=("fashion-mnist", "fashion_mnist"),
        )
    )
    register(
        DatasetSpec(
            name="mnist",
            description="MNIST: 70k 28x28 grayscale handwritten digits, 10 classes",
            load="genlab.data.sources:load_mnist",
        )
    )
