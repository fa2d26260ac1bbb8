"""``torch.utils.data.dataloader``'s names: DataLoader, the collate functions and ``get_worker_info``."""

from chainrule.data.loader import DataLoader, default_collate, default_convert, get_worker_info  # noqa: F401
