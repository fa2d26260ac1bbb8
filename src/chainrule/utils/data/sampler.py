"""``torch.utils.data.sampler``'s names: the samplers (from ``chainrule.data``)."""

from chainrule.data.sampler import (  # noqa: F401  (re-exported)
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
