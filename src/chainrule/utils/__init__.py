"""``chainrule.utils``: where PyTorch code finds ``utils.data`` (``from chainrule.utils.data import DataLoader``)."""

from chainrule.utils import data

__all__ = ["data"]
