
urlpatterns: list = [
]
