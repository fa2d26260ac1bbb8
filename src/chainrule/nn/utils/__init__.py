"""Gradient clipping and flat parameter vectors (``chainrule.nn.utils``), as ``torch.nn.utils``.

>>> loss.backward()
>>> nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
>>> opt.step()
"""

from chainrule.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from chainrule.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]
