# Browser routes of threshold profiles and exclusions (issue 4).
urlpatterns: list = []
