"""The store's tables as the REST API names them: one `View` (engine.rest.search) per searchable resource."""
