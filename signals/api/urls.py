# API routes of signals for municipality systems (issue 4).
urlpatterns: list = []
