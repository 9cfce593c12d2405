# The BVV admin lives in its own module (issue 9); the profile admin may join this file.
from thresholds import bvv_admin  # noqa: F401
