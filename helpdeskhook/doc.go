// Package helpdeskhook mirrors Baton's tickets into any helpdesk or CRM
// through an automation tool, by posting each ticket and update as JSON.
//
// The URL is whatever catches the events: a Zapier "Catch Hook" (Webhooks
// by Zapier), an n8n Webhook node (method POST), a Make custom webhook.
// Every key below is always present, so the first sample shows them all
// for mapping; a value Baton does not know is "" (or null for times).
//
// # Requests
//
// Each event is one POST to the configured URL with a JSON body, the
// headers Content-Type: application/json and User-Agent: Baton, and any
// configured headers (an Authorization for n8n's Header Auth, say).
//
// With a secret configured, X-Baton-Signature signs the body exactly as
// Baton signs calls to a webhook bot:
//
//	X-Baton-Signature: t=1741910640,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
//
// where t is the Unix time of sending and v1 the hex HMAC-SHA256, keyed
// with the secret, of t, a dot, and the raw body bytes. A receiver
// recomputes it over the body as received (before parsing it), compares
// in constant time, and refuses a t more than five minutes from its clock.
// In Go, signature.Verify does all of it.
//
// # ticket.created
//
// Sent when Baton opens a ticket for a handoff no human could take live.
//
//   - type: "ticket.created".
//   - ticket.id: Baton's ticket ID. ticket.conversation_id: the
//     conversation's. ticket.subject: the ticket's subject, else the
//     summary's first line. ticket.department, ticket.priority (low,
//     normal, high, urgent), ticket.trigger (what started the handoff:
//     text, unknown, feedback, sensitive_intent, frustration, bot_failure,
//     bot, agent), ticket.status (open).
//   - ticket.details: what the bot collected, an object of strings; {}
//     when nothing.
//   - ticket.created_at, ticket.expected_by: RFC 3339 times in UTC;
//     expected_by, when the customer was told to expect an answer, may be
//     null.
//   - customer.name, customer.email, customer.phone.
//   - channel: web, api, whatsapp, messenger or telegram. locale: the
//     customer's language, such as "he" or "en-US".
//   - summary: the handoff summary in one paragraph.
//   - transcript: what the customer saw, oldest first, each entry with
//     author (customer, bot, agent, system), name (as a transcript shows
//     it: the customer's name or "Customer", "Bot", "Agent", "System"),
//     text and at. Entries without text are left out.
//   - transcript_text: the same as lines "[2006-01-02 15:04 UTC] Name:
//     text", ready to paste into a ticket's description.
//   - transcript_omitted: how many of the oldest messages were left out
//     to keep the event under about 60 KB of text; usually 0.
//   - url: the conversation in Baton's inbox; "" when Baton's public
//     address is not configured.
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
//	  "url": "https://baton.example.com/inbox/c_3n5p7r9t2v"
//	}
//
// # The reply
//
// Any 2xx means the event arrived. The reply's body may name the ticket
// the receiver made, as {"external_id": "…"} or {"id": …}, a string or a
// whole number; Baton keeps it and sends it back as external_id in every
// ticket.updated. Otherwise (an empty body, n8n's "Workflow was started",
// Make's "Accepted", and Zapier's {"id", "request_id", "attempt",
// "status"}, whose id names Zapier's request rather than a ticket) the
// external ID is Baton's ticket ID.
//
// A 429, 408 or 5xx reply is tried again later, after the Retry-After the
// reply asks for (seconds or an HTTP date), else after Baton's own
// backoff. Any other status is final: the event is not sent again. Baton
// delivers at least once, so a reply lost on the way can bring an event
// twice; a receiver that must not act twice keys ticket.created on
// ticket.id and ticket.updated on external_id, kind and at.
//
// # ticket.updated
//
// Sent when something happens to the ticket's conversation in Baton.
//
//   - type: "ticket.updated".
//   - kind: "agent_replied" (an agent answered the customer: author is
//     the agent's name, text the reply) or "resolved" (the conversation
//     ended; author and text may be "").
//   - external_id: the ID the ticket.created reply named, else Baton's
//     ticket ID.
//   - ticket: the ticket as in ticket.created, as it stands now, or null.
//   - author, text, and at: when it happened, an RFC 3339 time in UTC.
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
