from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.place, name="home"),
    path("<str:code>/", views.place, name="place"),
    path("<str:code>/screen/", views.screen, name="screen"),
    path("<str:code>/report/", views.report, name="report"),
    path("<str:code>/export.xlsx", views.export, name="export"),
]
