"""``chainrule.utils.data`` is ``chainrule.data`` under PyTorch's name (``torch.utils.data``)."""

from chainrule.data import *  # noqa: F403  (the same names, on purpose)
from chainrule.data import __all__  # noqa: F401
