"""The pages: the patron review page (review/), the creator studio (studio/), their forms, URLs and
template tags. Small view functions over services and selectors; htmx requests get a fragment.
"""
