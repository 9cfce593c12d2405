# API routes (no app_name: included under the "api" namespace; names are "entity-action").
from .arrears_urls import urlpatterns as arrears_urlpatterns
from .delivery_urls import urlpatterns as delivery_urlpatterns

urlpatterns = delivery_urlpatterns + arrears_urlpatterns
