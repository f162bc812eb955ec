from django.urls import path

from vinculo.exchange import views as exchange_views
from vinculo.web import imports, item_views, person_edit, report_views, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("agenda/", views.agenda, name="agenda"),
    path("plays/<int:play_id>/", views.play_page, name="play"),
    path("plays/<int:play_id>/done/", views.play_done_view, name="play_done"),
    path("plays/<int:play_id>/snooze/", views.play_snooze_view, name="play_snooze"),
    path("plays/<int:play_id>/dismiss/", views.play_dismiss_view, name="play_dismiss"),
    path("plays/<int:play_id>/reopen/", views.play_reopen_view, name="play_reopen"),
    path("agenda/aside/", views.agenda_aside, name="agenda_aside"),
    path("people/<int:person_id>/", views.person_detail, name="person"),
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/<int:account_id>/", views.account_detail, name="account"),
    path("reports/fairness/", views.fairness, name="fairness"),
    path("reports/portfolio/", views.portfolio, name="portfolio"),
    path("interactions/new/", views.interaction_new, name="interaction_new"),
    path("interactions/people-options/", views.people_options, name="people_options"),
    path("interactions/colleague-options/", views.colleague_options, name="colleague_options"),
    path("interactions/level-suggestion/", views.level_suggestion, name="level_suggestion"),
    path("imports/", imports.import_list, name="imports"),
    path("imports/<int:run_id>/", imports.import_run, name="import_run"),
    path("imports/<int:run_id>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:run_id>/apply/", imports.import_apply, name="import_apply"),
    path("review/", imports.review, name="review"),
    path("review/addresses/<int:address_id>/", imports.review_address, name="review_address"),
    path("review/merge/", imports.review_merge, name="review_merge"),
    # Exports (vinculo.exchange.views): the lists as filtered on screen, cards, feed, review.
    path("people/export.<str:fmt>", exchange_views.people_export, name="people_export"),
    path("accounts/export.<str:fmt>", exchange_views.accounts_export, name="accounts_export"),
    path("people/<int:person_id>/card.vcf", exchange_views.person_vcard, name="person_vcard"),
    path(
        "accounts/<int:account_id>/value-review/",
        exchange_views.value_review_page,
        name="value_review",
    ),
    path(
        "accounts/<int:account_id>/value-review.pdf",
        exchange_views.value_review_pdf,
        name="value_review_pdf",
    ),
    path("calendar/", exchange_views.calendar_feed_settings, name="calendar_feed_settings"),
    path("calendar/<str:token>.ics", exchange_views.calendar_feed, name="calendar_feed"),
    # The manager's pages (vinculo.web.report_views).
    path("reports/team/", report_views.team, name="team"),
    path("reports/complaints/", report_views.complaints, name="complaints"),
    path("reports/promises/", report_views.promises, name="promises"),
    path("reports/concerns/", report_views.concerns, name="concerns"),
    path("settings/health/", report_views.health_settings, name="health_settings"),
    # The person page's write side (vinculo.web.person_edit): profile and personal facts,
    # a job change, the contact plan; each GET a form (in place with htmx), POST a save.
    path("people/<int:person_id>/profile/", person_edit.profile_edit, name="person_profile_edit"),
    path("people/<int:person_id>/job-change/", person_edit.job_change, name="person_job_change"),
    path("people/<int:person_id>/plan/", person_edit.plan_edit, name="person_plan_edit"),
    # A person's or account's items (vinculo.web.item_views): promises, complaints,
    # concerns, initiatives and value items, each added, changed and closed.
    path("items/<slug:kind>/new/", item_views.item_new, name="item_new"),
    path("items/<slug:kind>/<int:pk>/change/", item_views.item_change, name="item_change"),
    path("items/<slug:kind>/<int:pk>/close/", item_views.item_close, name="item_close"),
]
