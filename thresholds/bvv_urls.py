# Browser routes of the beslagvrije voet calculator and repayment policy (issue 9).
urlpatterns: list = []
