-- When the platform accepted a message: Messenger's read watermark covers
-- the messages sent before it, which may have been queued long before.
ALTER TABLE deliveries ADD COLUMN sent_at INTEGER;
UPDATE deliveries SET sent_at = updated_at WHERE status IN ('sent', 'delivered', 'read');
CREATE INDEX deliveries_customer ON deliveries (channel, account, user_id, sent_at) WHERE sent_at IS NOT NULL;
