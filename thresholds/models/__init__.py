from .history import ThresholdChange
from .profiles import ThresholdProfile

__all__ = ["ThresholdChange", "ThresholdProfile"]
