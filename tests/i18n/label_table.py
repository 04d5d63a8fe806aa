"""Print docs/translation.md's tables of labels, English | Vietnamese, from the catalogues.

``.venv/bin/python -m tests.i18n.label_table`` from the project root; paste the output under "Every label,
in both languages".
"""

from __future__ import annotations

import os

import django

USER_FIELDS_OF_DJANGO = {
    "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email", "is_staff",
    "is_active", "date_joined", "groups", "user_permissions",
}  # fmt: skip


def both(text: object) -> tuple[str, str]:
    from django.utils import translation

    with translation.override("en"):
        english = str(text)
    with translation.override("vi"):
        return english, str(text)


def main() -> None:
    from django.apps import apps

    from tests.i18n.test_labels import CHOICES, OUR_APPS

    print("### Choices\n\n| English | Vietnamese | choice set: value |\n| --- | --- | --- |")
    for choices in CHOICES:
        for value, label in choices.choices:
            english, vietnamese = both(label)
            print(f"| {english} | {vietnamese} | {choices.__qualname__}: `{value}` |")
    print("\n### Apps and models (one / many)\n\n| English | Vietnamese | model |\n| --- | --- | --- |")
    for app in OUR_APPS:
        config = apps.get_app_config(app)
        english, vietnamese = both(config.verbose_name)
        print(f"| {english} | {vietnamese} | *the {app} app* |")
        for model in config.get_models():
            one, many = both(model._meta.verbose_name), both(model._meta.verbose_name_plural)
            print(f"| {one[0]} / {many[0]} | {one[1]} / {many[1]} | {model.__name__} |")
    print(
        "\n### Fields (as the admin shows them; Django's own fields of User keep Django's translation)\n\n"
        "| English | Vietnamese | field |\n| --- | --- | --- |"
    )
    seen: set[tuple[str, str]] = set()
    for app in OUR_APPS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.get_fields():
                if not hasattr(field, "verbose_name") or field.auto_created:
                    continue
                if model.__name__ == "User" and field.name in USER_FIELDS_OF_DJANGO:
                    continue
                pair = both(field.verbose_name)
                if pair not in seen:
                    seen.add(pair)
                    print(f"| {pair[0]} | {pair[1]} | {model.__name__}.{field.name} |")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    main()
