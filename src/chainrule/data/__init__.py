"""Datasets, mini-batches and data preparation (``chainrule.data``), following ``torch.utils.data``.

Ready-made datasets (MNIST, digits, synthetic 2-D sets) are in ``chainrule.data.datasets``.
"""

from chainrule.data import datasets
from chainrule.data.dataset import Dataset, Subset, TensorDataset, random_split
from chainrule.data.loader import DataLoader, collate
from chainrule.data.transforms import Standardizer, one_hot, standardize, train_test_split

__all__ = [
    "DataLoader", "Dataset", "Standardizer", "Subset", "TensorDataset", "collate", "datasets", "one_hot",
    "random_split", "standardize", "train_test_split",
]  # fmt: skip
