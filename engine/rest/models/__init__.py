"""The pydantic models of the REST contract: what the OpenAPI document shows."""
