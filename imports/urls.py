from django.urls import path

from . import downloads, views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("template/<slug:kind>/<str:fmt>/", downloads.template, name="template"),
    path("export/<slug:kind>/<str:fmt>/", downloads.export, name="export"),
    path("<int:pk>/", views.job_detail, name="job"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/check/", views.check, name="check"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/apply/", views.apply, name="apply"),
    path("<int:pk>/undo/", views.undo_job, name="undo"),
    path("<int:pk>/errors/", downloads.error_workbook, name="errors"),
]
