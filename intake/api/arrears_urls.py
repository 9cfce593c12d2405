# API routes of arrears reports for suppliers (issue 5).
urlpatterns: list = []
