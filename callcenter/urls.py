from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from campaigns import api as campaigns_api
from crm import api as crm_api
from floor import api as floor_api
from qa import api as qa_api
from qa.evaluations import api as evaluations_api
from reports import api as reports_api
from telephony import api as telephony_api

from . import views

router = DefaultRouter()
router.register("customers", crm_api.CustomerViewSet, basename="customer")
router.register("cases", crm_api.CaseViewSet, basename="case")
router.register("interactions", crm_api.InteractionViewSet, basename="interaction")
router.register("agents", telephony_api.AgentViewSet, basename="agent")
router.register("queues", telephony_api.QueueViewSet, basename="queue")
router.register("calls", telephony_api.CallViewSet, basename="call")
router.register("campaigns", campaigns_api.CampaignViewSet, basename="campaign")
router.register("lead-imports", campaigns_api.LeadImportViewSet, basename="lead-import")
router.register("dnc", campaigns_api.CampaignDncEntryViewSet, basename="dnc-entry")
router.register("recordings", qa_api.RecordingViewSet, basename="recording")
router.register("auto-qa", qa_api.AutoQaScoreViewSet, basename="auto-qa")
router.register("transcripts", qa_api.TranscriptViewSet, basename="transcript")
# Scorecards and evaluations
router.register("scorecards", evaluations_api.ScorecardViewSet, basename="scorecard")
router.register("evaluations", evaluations_api.EvaluationViewSet, basename="evaluation")

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/auth/token/", views.ApiTokenView.as_view(), name="api_token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", views.ApiDocsView.as_view(url_name="api_schema"), name="api_docs"),
    path("api/reports/<slug:report>/", reports_api.ReportView.as_view(), name="api_report"),
    path("api/realtime/queues/", floor_api.RealtimeQueuesView.as_view(), name="realtime_queues"),
    path("api/realtime/agents/", floor_api.RealtimeAgentsView.as_view(), name="realtime_agents"),
    path("api/monitor/", floor_api.MonitorView.as_view(), name="monitor"),
    path("api/", include(router.urls)),
    path("campaigns/voice/", include("campaigns.dialer.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("telephony/", include("telephony.urls")),
    path("qa/", include("qa.urls")),
    path("reports/", include("reports.urls")),
    path("floor/", include("floor.urls")),
    path("workforce/", include("workforce.urls")),
    path("", include("crm.urls")),
]

handler404 = "callcenter.views.not_found"

admin.site.site_header = "Call center administration"
admin.site.site_title = "Call center admin"
