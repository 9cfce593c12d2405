from .profiles import ThresholdProfile

__all__ = ["ThresholdProfile"]
