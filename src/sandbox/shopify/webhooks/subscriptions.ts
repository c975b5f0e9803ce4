// Per-shop webhook subscriptions (webhookSubscriptionCreate / Delete and the control API). A subscription
// keeps the API version it was created with: payloads are serialised for that version.
import type { ShopifyStore } from '../store/store.js';
import type { WebhookTopic } from '../store/events.js';
import { topicEnum } from '../store/events.js';

export interface WebhookSubscriptionRecord {
  id: number;
  topic: WebhookTopic;
  topicEnum: string;
  uri: string;
  format: 'JSON' | 'XML';
  includeFields: string[];
  filter: string | null;
  apiVersion: string;
  createdAt: number;
  updatedAt: number;
  /** Failed attempts in a row; reset by a success. Deletion happens when a delivery exhausts its retries. */
  consecutiveFailures: number;
}

export interface SubscriptionInput {
  topic: WebhookTopic;
  uri: string;
  format?: 'JSON' | 'XML';
  includeFields?: string[];
  filter?: string | null;
  apiVersion: string;
}

export interface UserError {
  field: string[] | null;
  message: string;
  code?: string | null;
}

export class WebhookSubscriptions {
  private readonly subscriptions = new Map<number, WebhookSubscriptionRecord>();
  private readonly deletedListeners = new Set<(s: WebhookSubscriptionRecord, reason: string) => void>();

  constructor(private readonly store: ShopifyStore) {}

  create(input: SubscriptionInput): { subscription?: WebhookSubscriptionRecord; userErrors: UserError[] } {
    let url: URL;
    try {
      url = new URL(input.uri);
    } catch {
      return { userErrors: [{ field: ['webhookSubscription', 'callbackUrl'], message: 'Address is invalid' }] };
    }
    // Shopify accepts only https for HTTP endpoints; the sandbox also takes http so local receivers work.
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      return { userErrors: [{ field: ['webhookSubscription', 'callbackUrl'], message: `Address protocol ${url.protocol}// is not supported` }] };
    }
    for (const existing of this.subscriptions.values()) {
      if (existing.topic === input.topic && existing.uri === input.uri) {
        return { userErrors: [{ field: ['webhookSubscription', 'callbackUrl'], message: 'Address for this topic has already been taken' }] };
      }
    }
    const at = this.store.stamp();
    const subscription: WebhookSubscriptionRecord = {
      id: this.store.nextId('webhookSubscription'), topic: input.topic, topicEnum: topicEnum(input.topic), uri: input.uri,
      format: input.format ?? 'JSON', includeFields: input.includeFields ?? [], filter: input.filter ?? null,
      apiVersion: input.apiVersion, createdAt: at, updatedAt: at, consecutiveFailures: 0,
    };
    this.subscriptions.set(subscription.id, subscription);
    return { subscription, userErrors: [] };
  }

  update(id: number, patch: Partial<Pick<SubscriptionInput, 'uri' | 'includeFields' | 'filter' | 'format'>>): WebhookSubscriptionRecord | undefined {
    const subscription = this.subscriptions.get(id);
    if (!subscription) return undefined;
    if (patch.uri !== undefined) subscription.uri = patch.uri;
    if (patch.includeFields !== undefined) subscription.includeFields = patch.includeFields;
    if (patch.filter !== undefined) subscription.filter = patch.filter;
    if (patch.format !== undefined) subscription.format = patch.format;
    subscription.updatedAt = this.store.stamp();
    return subscription;
  }

  delete(id: number, reason = 'deleted by the app'): boolean {
    const subscription = this.subscriptions.get(id);
    if (!subscription) return false;
    this.subscriptions.delete(id);
    for (const listener of this.deletedListeners) listener(subscription, reason);
    return true;
  }

  onDeleted(listener: (s: WebhookSubscriptionRecord, reason: string) => void): void {
    this.deletedListeners.add(listener);
  }

  get(id: number): WebhookSubscriptionRecord | undefined {
    return this.subscriptions.get(id);
  }

  list(): WebhookSubscriptionRecord[] {
    return [...this.subscriptions.values()];
  }

  forTopic(topic: WebhookTopic): WebhookSubscriptionRecord[] {
    return this.list().filter((s) => s.topic === topic);
  }

  clear(): void {
    this.subscriptions.clear();
  }
}
