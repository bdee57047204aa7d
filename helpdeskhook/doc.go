// Package helpdeskhook mirrors Baton's tickets into any helpdesk or CRM
// through an automation tool, by posting each ticket and update as JSON:
// a Zapier "Catch Hook", an n8n Webhook node, a Make custom webhook.
//
// The contract (the requests, every key of the two events, the reply, the
// retries) is in docs/webhooks.md, "The generic helpdesk hook". A test
// checks the examples below against what the hook sends.
//
// Each event is one POST of a JSON body with Content-Type:
// application/json, User-Agent: Baton and any configured headers. Every
// key is always present; a value Baton does not know is "" (or null for
// times). With a secret, X-Baton-Signature signs the body as every Baton
// webhook is signed (package signature):
//
//	X-Baton-Signature: t=1741910640,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
//
// # ticket.created
//
// Sent when Baton opens a ticket for a handoff no human could take live.
//
// Example request body:
//
//	{
//	  "type": "ticket.created",
//	  "ticket": {
//	    "id": "t_8k2mzq4hx7",
//	    "conversation_id": "c_3n5p7r9t2v",
//	    "subject": "Charged twice for order 4821",
//	    "department": "billing",
//	    "priority": "high",
//	    "trigger": "text",
//	    "details": {"order_number": "4821"},
//	    "status": "open",
//	    "created_at": "2025-03-14T00:04:00Z",
//	    "expected_by": "2025-03-14T09:00:00Z"
//	  },
//	  "customer": {"name": "Dana Levi", "email": "dana@example.com", "phone": "+972501234567"},
//	  "channel": "whatsapp",
//	  "locale": "he",
//	  "summary": "The customer was charged twice for order 4821 and wants a refund.",
//	  "transcript": [
//	    {"author": "customer", "name": "Dana Levi", "text": "I was charged twice", "at": "2025-03-14T00:02:00Z"},
//	    {"author": "bot", "name": "Bot", "text": "Sorry about that! What is the order number?", "at": "2025-03-14T00:02:05Z"},
//	    {"author": "customer", "name": "Dana Levi", "text": "4821", "at": "2025-03-14T00:03:00Z"}
//	  ],
//	  "transcript_text": "[2025-03-14 00:02 UTC] Dana Levi: I was charged twice\n[2025-03-14 00:02 UTC] Bot: Sorry about that! What is the order number?\n[2025-03-14 00:03 UTC] Dana Levi: 4821",
//	  "transcript_omitted": 0,
//	  "url": "https://baton.example.com/inbox/#c_3n5p7r9t2v"
//	}
//
// # The reply
//
// Any 2xx means the event arrived. Its body may name the receiver's
// ticket, {"external_id": "…"} or {"id": …}, a string or a whole number;
// Baton keeps it and sends it back as external_id in every ticket.updated.
// Otherwise (an empty body, or Zapier's {"id", "request_id", "attempt",
// "status"}, whose id names Zapier's request) the external ID is Baton's
// ticket ID. A 429, 408 or 5xx is tried again later, after its
// Retry-After; any other status is final. Delivery is at least once.
//
// # ticket.updated
//
// Sent when an agent answers the customer (kind "agent_replied") or the
// ticket is closed in Baton (kind "resolved").
//
// Example request body:
//
//	{
//	  "type": "ticket.updated",
//	  "kind": "agent_replied",
//	  "external_id": "48213",
//	  "ticket": {
//	    "id": "t_8k2mzq4hx7",
//	    "conversation_id": "c_3n5p7r9t2v",
//	    "subject": "Charged twice for order 4821",
//	    "department": "billing",
//	    "priority": "high",
//	    "trigger": "text",
//	    "details": {"order_number": "4821"},
//	    "status": "open",
//	    "created_at": "2025-03-14T00:04:00Z",
//	    "expected_by": "2025-03-14T09:00:00Z"
//	  },
//	  "author": "Sam Cohen",
//	  "text": "We have refunded the second charge; you will see it within 3 days.",
//	  "at": "2025-03-14T08:12:00Z"
//	}
package helpdeskhook
