"""A course-style network (``net``) and the kvsbench twin that wraps it (``twin``)."""
