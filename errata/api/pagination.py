"""Page-number pagination. Every list is ordered with the id as the last key (see
filters.StableOrderingFilter), so a row never shows on two pages or on none while paging."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class StablePageNumberPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
