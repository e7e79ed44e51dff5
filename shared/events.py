"""Every stream's wire contract in one import, for code written before the split (kept while branches that import
`shared.events` are merged; new code imports the stream module it needs: shared.envelope, shared.suppliers,
shared.products, shared.inquiries, shared.partners)."""

from shared.envelope import *  # noqa: F403
from shared.envelope import EVENT_TYPES, UPCASTERS, summary  # noqa: F401
from shared.inquiries import *  # noqa: F403
from shared.partner_commands import *  # noqa: F403
from shared.partners import *  # noqa: F403
from shared.products import *  # noqa: F403
from shared.suppliers import *  # noqa: F403

_summary = summary
