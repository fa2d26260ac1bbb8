"""``chainrule.utils.data`` is ``chainrule.data`` under PyTorch's name (``torch.utils.data``), with its submodules
``dataset``, ``sampler``, ``dataloader`` and ``distributed``."""

from chainrule.data import *  # noqa: F403  (the same names, on purpose)
from chainrule.data import __all__  # noqa: F401
from chainrule.utils.data import dataloader, dataset, distributed, sampler  # noqa: F401
