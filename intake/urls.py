from .arrears_urls import urlpatterns as arrears_urlpatterns
from .delivery_urls import urlpatterns as delivery_urlpatterns

app_name = "intake"

urlpatterns = delivery_urlpatterns + arrears_urlpatterns
