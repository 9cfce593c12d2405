# API routes of deliveries for municipality systems (issue 3).
urlpatterns: list = []
