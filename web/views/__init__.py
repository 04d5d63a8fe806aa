"""Views per role: public (everyone), accounts (sign-in), student, roles (placeholders for the others)."""
