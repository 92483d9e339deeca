"""Every table of the app, in dependency order: the one list the tests and the schema checks use. The models import
`webapp.db`; only those callers import this module, so the list closes no import circle."""
from webapp.accounts.models import Business, Membership, User, UserSession
from webapp.inbound.models import InboundAddress, InboundMessage, InboundPart, InboundSender
from webapp.integrations.models import ConnectAttempt, Connection
from webapp.items.models import Document, Item, ItemHistory, ItemNote, ItemReading, LineItem, ReadField
from webapp.jobruns.models import JobRun
from webapp.lists.models import (Category, Contact, Currency, Organisation, PaymentMethod, SyncCursor, TaxRate,
                                 TrackingCategory, TrackingOption)
from webapp.publishing.models import PublishAttempt, PublishingSettings
from webapp.rules.models import ContactAlias, ContactRule
from webapp.webhooks.models import WebhookEvent

ALL_MODELS = (User, Business, Membership, UserSession, JobRun, Connection, ConnectAttempt, Organisation, Category,
              Contact, TrackingCategory, TrackingOption, TaxRate, Currency, SyncCursor, PaymentMethod, WebhookEvent,
              Document, Item, ItemHistory, LineItem, ItemNote, ItemReading, ReadField, ContactRule, ContactAlias,
              PublishingSettings, PublishAttempt, InboundAddress, InboundSender, InboundMessage, InboundPart)
