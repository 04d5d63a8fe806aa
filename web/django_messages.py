"""Django's own form messages whose Vietnamese reads wrong on our pages, worded again in our catalogue.

Django's catalogue says "Nhập một số tổng thể." ("an overall number") for a whole number, and puts a space
before the full stop of its limits ("… bằng với 50 ."). An app's catalogue is merged over Django's own
(``django/conf/locale``), so the msgids below, translated in ``web/locale``, are what a coordinator reads
beside a field. Nothing calls this module: it is here for ``makemessages`` to find the msgids.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

REWORDED = (
    gettext_noop("Enter a whole number."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
)
