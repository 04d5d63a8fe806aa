"""The pages: server-rendered templates with htmx for the live parts, one base template, per-role views.

A face: views read through selectors, change state only through services, and hold no rule of their own.
"""
