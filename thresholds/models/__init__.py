from .bvv import BvvParameterSet, RepaymentPolicy
from .profiles import ThresholdProfile

__all__ = ["BvvParameterSet", "RepaymentPolicy", "ThresholdProfile"]
