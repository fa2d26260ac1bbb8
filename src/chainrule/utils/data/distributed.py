"""``torch.utils.data.distributed``'s name: DistributedSampler (from ``chainrule.distributed``)."""

from chainrule.distributed.sampler import DistributedSampler  # noqa: F401  (re-exported)
