from django.urls import path

from . import views

app_name = "grids"
urlpatterns = [
    path("", views.region_browser, name="region_browser"),
    path("r/<str:code>/", views.region_detail, name="region_detail"),
    path("r/<str:code>/children/", views.region_children, name="region_children"),
    path("building/<int:pk>/", views.building_detail, name="building_detail"),
    path("household/<int:pk>/", views.household_detail, name="household_detail"),
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/new/", views.resident_create, name="resident_create"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/edit/", views.resident_update, name="resident_update"),
    path("residents/<int:pk>/move/", views.resident_move, name="resident_move"),
    path("residents/<int:pk>/reveal/", views.resident_reveal, name="resident_reveal"),
]
