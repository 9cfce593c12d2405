# Browser routes of deliveries and debtors (issue 3).
urlpatterns: list = []
