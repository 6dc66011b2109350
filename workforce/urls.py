from django.urls import path

from . import views

app_name = "workforce"

urlpatterns = [
    path("", views.staffing_page, name="staffing"),
    path("forecast/", views.forecast_refresh, name="forecast_refresh"),
    path("override/", views.override_set, name="override_set"),
    path("what-if/", views.what_if, name="what_if"),
    path("schedules/", views.schedule_page, name="schedules"),
    path("schedules/generate/", views.schedule_generate, name="schedule_generate"),
    path("schedules/<int:pk>/publish/", views.schedule_publish, name="schedule_publish"),
    path("schedules/<int:pk>/move/", views.shift_move, name="shift_move"),
    path("schedules/<int:pk>/swap/", views.shift_swap, name="shift_swap"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("adherence/", views.adherence_page, name="adherence"),
    path("desk/", views.desk_schedule, name="desk_schedule"),
    path("desk/request/", views.request_create, name="request_create"),
]
