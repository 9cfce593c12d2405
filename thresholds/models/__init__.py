from .bvv import BvvParameterSet, RepaymentPolicy
from .history import ThresholdChange
from .profiles import ThresholdProfile

__all__ = ["BvvParameterSet", "RepaymentPolicy", "ThresholdChange", "ThresholdProfile"]
