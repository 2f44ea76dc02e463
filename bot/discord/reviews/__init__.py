"""The reviews feature: `/review request|queue`, the mentor's buttons and review form, the
"Ask a mentor" button it adds to every verdict, and the review threads."""
