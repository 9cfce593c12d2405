from .bvv_urls import urlpatterns as bvv_urlpatterns
from .profile_urls import urlpatterns as profile_urlpatterns

app_name = "thresholds"

urlpatterns = profile_urlpatterns + bvv_urlpatterns
