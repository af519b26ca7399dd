"""Forms of the staff SMS pages. They only shape input; the services validate."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from maps.models import Neighbourhood
from participation.identity import InvalidPhoneNumber, phone_is_test, phone_normalise
from sms.segments import MAX_BODY

SIMULATOR_SID = re.compile(r"^SIM[0-9a-f]{32}$")


def simulator_sid() -> str:
    """A synthetic MessageSid for one simulator send. ``SIM`` never starts a Twilio SID
    (``SM``/``MM``), so the two cannot collide; the form carries it, so resubmitting the
    same page is a replay, answered from the record like a Twilio retry."""
    return f"SIM{uuid.uuid4().hex}"


class SimulatorForm(forms.Form):
    sender = forms.CharField(label=_("Your phone number"), max_length=32)
    body = forms.CharField(
        label=_("Message"),
        max_length=MAX_BODY,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )
    message_sid = forms.CharField(widget=forms.HiddenInput, max_length=35)

    def __init__(self, *args: Any, test_numbers_only: bool = False, **kwargs: Any) -> None:
        # With a real gateway the simulator may only text as a reserved test number.
        super().__init__(*args, **kwargs)
        self.test_numbers_only = test_numbers_only

    def clean_sender(self) -> str:
        try:
            e164 = phone_normalise(self.cleaned_data["sender"])
        except InvalidPhoneNumber:
            raise forms.ValidationError(
                _("Enter a valid phone number, e.g. +14155550100.")
            ) from None
        if self.test_numbers_only and not phone_is_test(e164):
            raise forms.ValidationError(
                _("With the real SMS gateway, text only from a test number (%(prefix)s…).")
                % {"prefix": settings.SMS_TEST_NUMBER_PREFIX}
            )
        return e164

    def clean_message_sid(self) -> str:
        sid = str(self.cleaned_data["message_sid"])
        if not SIMULATOR_SID.match(sid):
            raise forms.ValidationError(_("Reload the page and send again."))
        return sid


# The largest id a database key holds (signed 64 bits): a bigger one is no id at all,
# and SQLite raises OverflowError on it instead of finding nothing.
_ID_MAX = 2**63 - 1


class _IdsField(forms.ModelMultipleChoiceField):
    def clean(self, value: Any) -> Any:
        for raw in value or ():
            text = str(raw)
            if not text.isdigit() or int(text) > _ID_MAX:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": text},
                )
        return super().clean(value)


class BroadcastForm(forms.Form):
    neighbourhoods = _IdsField(
        label=_("Neighbourhoods"),
        queryset=Neighbourhood.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, name in settings.LANGUAGES:
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("Text in %(language)s") % {"language": name},
                required=code == settings.LANGUAGE_CODE,
                max_length=480,
                widget=forms.Textarea(attrs={"rows": 3, "lang": code}),
            )

    def texts(self) -> dict[str, str]:
        return {
            code: self.cleaned_data.get(f"text_{code}", "") or ""
            for code, _name in settings.LANGUAGES
        }

    def language_fields(self) -> list[forms.BoundField]:
        return [self[f"text_{code}"] for code, _name in settings.LANGUAGES]
