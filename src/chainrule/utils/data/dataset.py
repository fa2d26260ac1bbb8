"""``torch.utils.data.dataset``'s names: the dataset classes and ``random_split`` (from ``chainrule.data``)."""

from chainrule.data.dataset import (  # noqa: F401  (re-exported)
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
