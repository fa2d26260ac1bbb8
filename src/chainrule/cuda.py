"""``cr.cuda``, for device-agnostic PyTorch code: chainrule has no CUDA device, and says so."""


def is_available() -> bool:
    """False: chainrule computes on the CPU (``device = "cuda" if cr.cuda.is_available() else "cpu"`` picks "cpu")."""
    return False


def device_count() -> int:
    """0: there are no CUDA devices to compute on."""
    return 0
