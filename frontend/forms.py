"""Forms that shape what residents type into values for the services. They check only
the shape (a number, a known neighbourhood, a phone number); the rules (phase open,
lengths, budget) are the services' and come back as ParticipationError/BallotInvalid."""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any, TypedDict

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from frontend.selectors import MAP_KINDS, MAP_STATUSES
from maps.models import Neighbourhood
from participation.demographics import DEMOGRAPHIC_QUESTIONS, answer_label, question_label
from participation.identity import InvalidPhoneNumber, phone_normalise
from participation.services.ideas import BODY_MAX


class SummaryError(TypedDict):
    target: str  # id of the field to jump to
    message: str


def error_summary(form: forms.Form, *, form_id: str) -> list[SummaryError]:
    """Every error of ``form``, each linking to its field (non-field errors: the form)."""
    summary: list[SummaryError] = []
    for name, errors in form.errors.items():
        if name == NON_FIELD_ERRORS or name not in form.fields:
            target = form_id
        else:
            target = form[name].id_for_label or form_id
        summary.extend({"target": target, "message": str(message)} for message in errors)
    return summary


class NeighbourhoodChoiceField(forms.ModelChoiceField[Neighbourhood]):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=32,
        help_text=_("We text you a 6-digit code. Include the country code if abroad."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )

    def clean_phone(self) -> str:
        try:
            return phone_normalise(self.cleaned_data["phone"])
        except InvalidPhoneNumber:
            raise forms.ValidationError(
                _("Enter a mobile number we can text, for example +1 415 555 0100."),
                code="invalid_phone",
            ) from None


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=20,
        help_text=_("The code is in the text message we just sent."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class VoterCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Voter code"),
        max_length=40,
        help_text=_("The code printed on your voter letter, for example ABCD-EFGH-JKMN."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class ProposalForm(forms.Form):
    """Title and body lengths are checked by proposal_submit (the same for SMS)."""

    title = forms.CharField(label=_("Title"), strip=True)
    body = forms.CharField(
        label=_("Describe your idea"),
        required=False,
        # maxlength only helps the typist; proposal_submit enforces the limit.
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": BODY_MAX}),
        help_text=_("What should change, where, and who would it help?"),
    )
    neighbourhood = NeighbourhoodChoiceField(
        label=_("Neighbourhood"),
        queryset=Neighbourhood.objects.order_by("name"),
        required=False,
        empty_label=_("Choose a neighbourhood"),
        help_text=_("Needed unless you put a pin on the map."),
    )
    address = forms.CharField(
        label=_("Address or place (optional)"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lat, lng = data.get("lat"), data.get("lng")
        if (lat is None) != (lng is None) or any(
            v is not None and not math.isfinite(v) for v in (lat, lng)
        ):
            raise forms.ValidationError(
                _("That map position is not valid. Place the pin again or choose a neighbourhood."),
                code="bad_point",
            )
        return data


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 4}))
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class FlagForm(forms.Form):
    """Report an idea, or one of its comments (``comment``), to the moderators."""

    comment = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1
    )
    reason = forms.CharField(
        label=_("What is wrong with it? (optional)"), required=False, max_length=500
    )


class MapFilterForm(forms.Form):
    """The filters of the map page and of its list: one GET form for both."""

    neighbourhood = forms.ChoiceField(label=_("Neighbourhood"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *MAP_STATUSES.items()],
    )
    kind = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("Ideas and projects")), *MAP_KINDS.items()],
    )

    def __init__(
        self, *args: Any, neighbourhood_ids: Collection[int] | None = None, **kwargs: Any
    ) -> None:
        """``neighbourhood_ids``: the neighbourhoods the process covers (the only ones
        offered); None offers every neighbourhood."""
        super().__init__(*args, **kwargs)
        field = self.fields["neighbourhood"]
        assert isinstance(field, forms.ChoiceField)
        neighbourhoods = Neighbourhood.objects.order_by("name")
        if neighbourhood_ids is not None:
            neighbourhoods = neighbourhoods.filter(pk__in=list(neighbourhood_ids))
        field.choices = [
            ("", _("All neighbourhoods")),
            *neighbourhoods.values_list("slug", "name"),
        ]


class NeighbourhoodForm(forms.Form):
    neighbourhood = NeighbourhoodChoiceField(
        label=_("Your neighbourhood"),
        queryset=Neighbourhood.objects.order_by("name"),
        empty_label=_("Choose your neighbourhood"),
    )


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        help_text=_("The code shown after you voted, for example ABCDE-FGHJK."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class DemographicsForm(forms.Form):
    """The city's self-report questions (``participation.demographics``), each optional:
    leaving one blank gives no answer to it. Only the shape is checked here; the closed
    lists are checked again by ``resident_record_demographics``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question, answers in DEMOGRAPHIC_QUESTIONS.items():
            self.fields[question] = forms.ChoiceField(
                label=question_label(question),
                required=False,
                widget=forms.RadioSelect,
                choices=[
                    *((a, answer_label(a)) for a in answers),
                    ("", _("I would rather not say")),
                ],
            )

    def answers(self) -> dict[str, str]:
        return {q: a for q, a in self.cleaned_data.items() if a}
