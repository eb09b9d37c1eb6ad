from django import template

register = template.Library()


@register.inclusion_tag("documents/_request_button.html", takes_context=True)
def document_button(context, kind: str, label: str, css: str = "btn btn-outline-secondary", **params):
    """A button that asks for a PDF: ``{% document_button "loan_statement" label loan=loan.pk %}``."""
    return {
        "kind": kind,
        "label": label,
        "css": css,
        "params": params.items(),
        "csrf_token": context.get("csrf_token"),
    }
