"""Django's and REST framework's own messages, re-worded for our Vietnamese readers.

Django's Vietnamese catalogue says "Trường này là bắt buộc." for "This field is required.", and
"trường" is also "school": a coordinator filling in a class form reads "This school is required".
REST framework ships no Vietnamese at all. The strings below are the libraries' own msgids; marking
them here puts them in our catalogue (locale/vi, LOCALE_PATHS), which Django reads before any
library's, so our wording wins wherever the library uses them. Nothing imports this module:
`makemessages` reads it.
"""

from django.utils.translation import gettext_noop

LIBRARY_MESSAGES = (
    # Django forms and models
    gettext_noop("This field is required."),
    gettext_noop("This field cannot be null."),
    gettext_noop("This field cannot be blank."),
    gettext_noop("The two password fields didn’t match."),
    # REST framework
    gettext_noop("This field may not be blank."),
    gettext_noop("This field may not be null."),
)
