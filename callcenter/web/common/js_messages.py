"""The words the page scripts in `static/` show, translated for the reader: base.html
puts them as JSON in a `<meta name="js-messages">` (data, not script: no inline script
under the Content-Security-Policy) that `static/i18n.js` reads as `t(text, values)`.
Placeholders are `%(name)s`; a count of one has its own message."""

from __future__ import annotations

from flask import Flask

from callcenter.web.common.i18n import gettext


def N_(text: str) -> str:  # noqa: N802 - the gettext marker's conventional name
    return text


MESSAGES = (
    # import.js
    N_("Choose a CSV file first."),
    N_("Done: %(valid)s applied, %(duplicate)s duplicate, %(invalid)s invalid."),
    N_("%(done)s of %(total)s rows"),
    N_("The import stopped: network error."),
    # sms.js
    N_("To +86:"),
    N_("%(units)s characters in %(encoding)s, 1 segment per message"),
    N_("%(units)s characters in %(encoding)s, %(segments)s segments per message"),
    N_("%(units)s UTF-16 units in %(encoding)s, 1 segment per message"),
    N_("%(units)s UTF-16 units in %(encoding)s, %(segments)s segments per message"),
    N_("1 recipient: about %(amount)s %(currency)s if it passes the checks"),
    N_("%(count)s recipients: about %(amount)s %(currency)s if all pass the checks"),
    N_("%(done)s of %(total)s"),
    # topup.js
    N_("Processing…"),
    N_("The payment could not start."),
    N_("Payment received. Your balance updates in a moment."),
    N_("Saving…"),
)


def js_messages() -> dict[str, str]:
    """Each script message and its translation in the request's language."""
    return {text: gettext(text) for text in MESSAGES}


def init_app(app: Flask) -> None:
    """Make the messages available to base.html."""
    app.jinja_env.globals["js_messages"] = js_messages
