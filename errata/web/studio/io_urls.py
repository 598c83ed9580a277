"""The studio's import and export pages of a cut (included from errata.web.urls)."""

from __future__ import annotations

from django.urls import path

from errata.web.studio import io

# No namespace of its own: the names join errata.urls' "errata" namespace (errata:io_import).
CUT = "studio/videos/<slug:slug>/cuts/<int:number>"

urlpatterns = [
    path(f"{CUT}/import/", io.comment_import, name="io_import"),
    path(f"{CUT}/import/<int:job_id>/", io.import_job, name="io_import_job"),
    path(
        f"{CUT}/import/<int:job_id>/<str:verb>/",
        io.job_action,
        {"kind": "import"},
        name="io_import_job_action",
    ),
    path(f"{CUT}/export/", io.export_page, name="io_export"),
    path(f"{CUT}/export/download/<str:fmt>/", io.export_download, name="io_export_download"),
    path(f"{CUT}/export/jobs/", io.export_job_start, name="io_export_job_start"),
    path(f"{CUT}/export/jobs/<int:job_id>/", io.export_job, name="io_export_job"),
    path(
        f"{CUT}/export/jobs/<int:job_id>/download/",
        io.export_job_download,
        name="io_export_job_download",
    ),
    # After the download: "download" is not a verb.
    path(
        f"{CUT}/export/jobs/<int:job_id>/<str:verb>/",
        io.job_action,
        {"kind": "export"},
        name="io_export_job_action",
    ),
]
