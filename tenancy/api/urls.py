# API routes of the tenancy app (supplier self-service lives here once it exists).
urlpatterns: list = []
