"""Datasets, samplers, mini-batches and data preparation (``chainrule.data``), following ``torch.utils.data``.

Ready-made datasets (MNIST, digits, synthetic 2-D sets) are in ``chainrule.data.datasets``.
"""

from chainrule.data import datasets
from chainrule.data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from chainrule.data.loader import DataLoader, collate, default_collate, default_convert, get_worker_info
from chainrule.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from chainrule.data.transforms import Standardizer, one_hot, standardize, to_images, train_test_split
from chainrule.distributed.sampler import DistributedSampler

__all__ = [
    "BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "DistributedSampler", "IterableDataset",
    "RandomSampler", "Sampler", "SequentialSampler", "Standardizer", "Subset", "SubsetRandomSampler", "TensorDataset",
    "WeightedRandomSampler", "collate", "datasets", "default_collate", "default_convert", "get_worker_info", "one_hot",
    "random_split", "standardize", "to_images", "train_test_split",
]  # fmt: skip
