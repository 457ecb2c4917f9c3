"""Strings that scripts show, translated on the server (``truce-config.labels``).

Scripts never carry interface text of their own: each page's ``truce-config`` holds
these messages in the viewer's language, under keys the scripts name. The keys are
listed in ``docs/web.md``; ``{name}`` placeholders are filled by the scripts.
"""

from __future__ import annotations

from truce.web.i18n import gettext


def _messages() -> dict[str, str]:
    return {
        "signing": gettext("Signing…"),
        "submitting": gettext("Sending…"),
        "submitted": gettext("Recorded in the log."),
        "refused": gettext("The act was refused:"),
        "network_error": gettext("The server could not be reached. Nothing was recorded."),
        "check_failed": gettext("The server's answer did not match the form: nothing was signed."),
        "no_key": gettext(
            "This browser has no registered signing key yet. Your head must approve it."
        ),
        "key_generating": gettext("Creating a signing key for this browser…"),
        "key_requested": gettext(
            "This browser's signing key awaits approval by your member's head."
        ),
        "key_ready": gettext("This browser signs with a registered key."),
        "key_requested_head": gettext(
            "This browser's signing key awaits approval with your member's root key."
        ),
        "key_enrol_head": gettext("Approve this browser with the root key file"),
        "key_enrol_link": gettext("See this browser's key and its fingerprint"),
        "enrol_not_key": gettext("This file is not a truce key file."),
        "enrol_other_member": gettext(
            "This key file is of another member ({member}): choose your own member's."
        ),
        "enrol_not_approver": gettext(
            "This key may not approve keys: choose your member's root key file."
        ),
        "enrol_choose_file": gettext("Choose your member's root key file."),
        "key_unsupported": gettext("This browser cannot keep a signing key (Ed25519)."),
        "key_failed": gettext("This browser's signing key could not be registered:"),
        "form_errors": gettext("Please correct the marked fields."),
        "receipt_included": gettext(
            "Included in checkpoint {size}, witnessed by {witnessed} of {witnesses}."
        ),
        "receipt_checking": gettext("Checking the receipt against the log…"),
        "receipt_ok": gettext("Included in the log: verified against the witnessed checkpoint."),
        "receipt_bad": gettext("The receipt does not verify against the log."),
        "receipt_unwitnessed": gettext("Included in the log; the checkpoint is not yet witnessed."),
        "checkpoint_ok": gettext("Checkpoint signature and cosignatures verified."),
        "checkpoint_bad": gettext("The checkpoint does not verify."),
        "log_checking": gettext("Checking the current checkpoint against the log's keys…"),
        "log_verified": gettext(
            "Checkpoint {size}: the log's signature verifies, and {witnessed} of {witnesses}"
            " witnesses' cosignatures."
        ),
        "log_consistent": gettext(
            "The log of {size} entries extends checkpoint {previous}: nothing was changed"
            " or removed (consistency proof verified)."
        ),
        "log_bad": gettext("The log does not verify:"),
        "overdue": gettext("overdue"),
        "days": gettext("d"),
        "hours": gettext("h"),
        "minutes": gettext("min"),
        "loading": gettext("Loading…"),
        "no_results": gettext("Nothing to show."),
    }


def script_labels() -> dict[str, str]:
    """The labels in the language being rendered."""
    return _messages()
