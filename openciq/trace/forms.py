"""Forms of the EPCIS repository's pages: the trace search and the upload of an EPCIS document."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from openciq.core.forms import style_widgets
from openciq.trace.choices import ErrorBehaviour

JSON_SUFFIXES = (".json", ".jsonld", ".json-ld")
XML_SUFFIXES = (".xml",)


class TraceForm(forms.Form):
    epc = forms.CharField(
        label=_("Identifier"),
        max_length=500,
        help_text=_(
            "A crate, ear tag, truck, container, seal or lot: EPC URN, GS1 Digital Link or URI, "
            "or the number printed on the tag."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["epc"].widget.attrs.update(
            {"placeholder": "urn:epc:id:grai:… · https://id.gs1.org/… · 156000123456789", "autofocus": True}
        )
        style_widgets(self)


class CaptureUploadForm(forms.Form):
    """An EPCIS 2.0 document (JSON/JSON-LD or XML) and what to do when part of it is wrong."""

    document = forms.FileField(
        label=_("EPCIS document"),
        help_text=_("An EPCISDocument or EPCISQueryDocument, JSON/JSON-LD (.json, .jsonld) or XML (.xml)."),
    )
    error_behaviour = forms.ChoiceField(
        label=_("When an event is wrong"),
        choices=ErrorBehaviour.choices,
        initial=ErrorBehaviour.ROLLBACK,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document"].widget.attrs["accept"] = ",".join(
            (*JSON_SUFFIXES, *XML_SUFFIXES, "application/json", "application/ld+json", "application/xml")
        )
        style_widgets(self)
        self.fields["error_behaviour"].widget.attrs["class"] = "form-check-input"


def media_type_of(name: str, head: bytes) -> str:
    """The media type of an uploaded document: from its file name, else from its first
    character (``<`` is XML, ``{`` JSON); JSON when nothing tells."""
    lowered = name.lower()
    if lowered.endswith(XML_SUFFIXES):
        return "application/xml"
    if lowered.endswith((".jsonld", ".json-ld")):
        return "application/ld+json"
    if lowered.endswith(JSON_SUFFIXES):
        return "application/json"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "application/xml" if start == b"<" else "application/json"
