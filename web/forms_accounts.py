"""Forms of new accounts: a company's own registration, and inviting a colleague."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

import places
from accounts.services import account_exists
from companies.models import Company
from privacy.invitations import student_address

from .forms import ChoicesMixin, province_name
from .forms_company import refuse_control_characters

ACCOUNT_EXISTS = _("An account already uses this address: sign in, or reset its password.")
# The colleague forms speak to the person inviting, not to the one invited.
COLLEAGUE_EXISTS = _(
    "An account already uses this address. If it is your colleague's, they can sign in, or choose a new "
    "password from the sign-in page."
)
STUDENT_ADDRESS = _("This address is a student's. Invite a colleague with their own work address.")


class CompanySignupForm(ChoicesMixin, forms.Form):
    """The organisation and its first person. The organiser approves the organisation before anything of
    it is published."""

    name = forms.CharField(
        label=_("Name of the company or organisation"), max_length=200, validators=[refuse_control_characters]
    )
    profile = forms.ChoiceField(
        label=_("You are"), choices=Company.Profile.choices, initial=Company.Profile.COMPANY, widget=forms.RadioSelect
    )
    province = forms.ChoiceField(label=_("Province or city"))
    sector = forms.CharField(
        label=_("Sector"), max_length=100, required=False, validators=[refuse_control_characters],
        help_text=_("For example: software, tourism, ceramics."),
    )
    # Where a visit goes: booking mail and calendar files give it; without it they name only the province.
    address = forms.CharField(
        label=_("Address"), max_length=300, required=False, validators=[refuse_control_characters],
        help_text=_("Where participants come for a visit or a workshop; leave it empty if you only work online."),
    )
    website = forms.URLField(label=_("Website"), required=False, max_length=200, assume_scheme="https")
    contact_email = forms.EmailField(
        label=_("Contact email"), help_text=_("Schools and the organiser write to this address.")
    )
    person_name = forms.CharField(label=_("Your full name"), max_length=150, validators=[refuse_control_characters])
    email = forms.EmailField(label=_("Your email"), help_text=_("You sign in with it."))
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        provinces = [(code, province_name(code)) for code, _name in places.choices()]
        self._choices("province", [("", _("Choose…")), *provinces])  # no province chosen for them

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if account_exists(email):
            raise forms.ValidationError(ACCOUNT_EXISTS)
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class ColleagueForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150, validators=[refuse_control_characters])
    email = forms.EmailField(label=_("Email"), help_text=_("The invitation goes to this address."))

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if account_exists(email):
            raise forms.ValidationError(COLLEAGUE_EXISTS)
        if student_address(email):
            raise forms.ValidationError(STUDENT_ADDRESS)
        return email


class CoordinatorForm(ColleagueForm):
    """The organiser invites a school's coordinator (the first one, typically): the school and the person."""

    school = forms.TypedChoiceField(label=_("School"), coerce=int)

    field_order = ["school", "full_name", "email"]

    def __init__(self, *args: Any, schools: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["school"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Choose…")), *schools]
