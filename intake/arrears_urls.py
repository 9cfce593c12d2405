# Browser routes of vroegsignalering: suppliers, covenants, cases (issue 5).
urlpatterns: list = []
