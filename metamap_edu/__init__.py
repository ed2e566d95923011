"""metamap_edu: a runnable course on meta-learning and pretraining for NLP."""
from .reproducibility import default_threads, set_seed, set_threads

__version__ = "0.1.0"
__all__ = ["default_threads", "set_seed", "set_threads", "__version__"]
