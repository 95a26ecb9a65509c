"""Forms: get by key (the schema clients render with form-js)."""

from __future__ import annotations

from engine.rest.deps import EngineDep
from engine.rest.models.tasks import FormResult
from engine.rest.problems import not_found
from engine.rest.routers.base import KeyPath, make_router
from engine.rest.search import parse_key
from engine.runtime.documents import DEFAULT_TENANT
from engine.runtime.state import FormDefinition

router = make_router("Form")


def form_result(form: FormDefinition) -> FormResult:
    # `schema` is an alias (the name shadows a BaseModel attribute): validate by the wire names
    return FormResult.model_validate(
        {
            "formKey": str(form.key),
            "formId": form.form_id,
            "version": form.version,
            "schema": form.schema,
            "tenantId": DEFAULT_TENANT,
        }
    )


@router.get("/forms/{formKey}", operation_id="getForm")
async def get_form(engine: EngineDep, formKey: KeyPath) -> FormResult:
    form = engine.state.forms.get(parse_key(formKey))
    if form is None or form.deleted:
        raise not_found("Form", formKey)
    return form_result(form)
