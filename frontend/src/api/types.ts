// Request and response types, generated from the handlers' OpenAPI document (tools/openapi.py ->
// openapi.json -> openapi-typescript -> schema.d.ts; `make web-types`). Never retyped by hand.
import type { components } from "./schema";

type Schemas = components["schemas"];

export type CountersResponse = Schemas["CountersResponse"];
export type Series = Schemas["Series"];
export type Point = Schemas["Point"];
export type Resolution = Schemas["Resolution"];
export type AdminUser = Schemas["AdminUser"];
export type AdminUsersPage = Schemas["AdminUsersPage"];
export type EnabledUser = Schemas["EnabledUser"];

export type WebhookEndpoint = Schemas["WebhookEndpoint"];
export type CreatedWebhookEndpoint = Schemas["CreatedWebhookEndpoint"];
export type WebhookEndpointPage = Schemas["WebhookEndpointPage"];
export type WebhookSecret = Schemas["WebhookSecret"];
export type WebhookAttempt = Schemas["WebhookAttempt"];
export type WebhookAttemptPage = Schemas["WebhookAttemptPage"];
export type WebhookQueued = Schemas["WebhookQueued"];
export type WebhookPublished = Schemas["WebhookPublished"];
export type WebhookMessage = Schemas["WebhookMessage"];
export type WebhookDelivery = Schemas["WebhookDelivery"];
export type DeliveryStatus = Schemas["DeliveryStatus"];
export type WebhookEventType = Schemas["WebhookEventType"];
export type WebhookEventTypes = Schemas["WebhookEventTypes"];

export type DocumentItem = Schemas["DocumentItem"];
export type DocumentStatus = DocumentItem["status"];
export type DocumentList = Schemas["DocumentList"];
export type UploadCreated = Schemas["UploadCreated"];
export type UploadForm = Schemas["UploadForm"];
export type MarkdownDocumentCreated = Schemas["MarkdownDocumentCreated"];

export type Citation = Schemas["Citation"];
export type Answer = Schemas["Answer"];
export type ConversationOut = Schemas["ConversationOut"];
export type ConversationsPage = Schemas["ConversationsPage"];
export type ConversationCreated = Schemas["ConversationCreated"];
export type MessageOut = Schemas["MessageOut"];
export type MessagesPage = Schemas["MessagesPage"];

export type WebhookSource = Schemas["WebhookSource"];
export type SourcesPage = Schemas["SourcesPage"];
