package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/batonhq/baton"
)

// Webhook subscriptions and the integration delivery log: administrators
// only.

// subscriptionView is a subscription as the API shows it; the secret only
// when it was just made.
type subscriptionView struct {
	*baton.Subscription
	Secret string `json:"secret,omitempty"`
}

func (s *Server) listSubscriptions(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.require(r, baton.RoleAdmin); err != nil {
		return err
	}
	subs, err := s.Store.Subscriptions(r.Context())
	if err != nil {
		return err
	}
	if subs == nil {
		subs = []*baton.Subscription{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"subscriptions": subs, "event_types": baton.HookEventTypes})
}

func (s *Server) getSubscription(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.require(r, baton.RoleAdmin); err != nil {
		return err
	}
	sub, err := s.Store.Subscription(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, subscriptionView{Subscription: sub})
}

type subscriptionRequest struct {
	Name   *string   `json:"name"`
	URL    *string   `json:"url"`
	Events *[]string `json:"events"`
	Active *bool     `json:"active"`
}

func (req *subscriptionRequest) apply(sub *baton.Subscription) {
	if req.Name != nil {
		sub.Name = *req.Name
	}
	if req.URL != nil {
		sub.URL = *req.URL
	}
	if req.Events != nil {
		sub.Events = *req.Events
	}
	if req.Active != nil {
		sub.Active = *req.Active
	}
}

func (s *Server) createSubscription(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.require(r, baton.RoleAdmin); err != nil {
		return err
	}
	var req subscriptionRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	sub := &baton.Subscription{ID: baton.NewID("wh"), Active: true, Events: []string{}, CreatedAt: now, UpdatedAt: now,
		Secret: baton.NewToken("whsec")}
	req.apply(sub)
	if err := sub.Validate(); err != nil {
		return err
	}
	if err := s.Engine.PutSubscription(r.Context(), sub); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, subscriptionView{Subscription: sub, Secret: sub.Secret})
}

// changeable returns a subscription the API may change: not one from the
// config file, which would come back at the next start.
func (s *Server) changeable(r *http.Request) (*baton.Subscription, error) {
	if _, err := s.require(r, baton.RoleAdmin); err != nil {
		return nil, err
	}
	sub, err := s.Store.Subscription(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if sub.Config {
		return nil, baton.Errorf(baton.ECONFLICT, "subscription %q is defined in the config file; change it there", sub.Name)
	}
	return sub, nil
}

func (s *Server) updateSubscription(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.changeable(r)
	if err != nil {
		return err
	}
	var req subscriptionRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	req.apply(sub)
	sub.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
	if err := sub.Validate(); err != nil {
		return err
	}
	if err := s.Engine.PutSubscription(r.Context(), sub); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, subscriptionView{Subscription: sub})
}

// rotateSubscriptionSecret gives a subscription a new secret, shown once.
// For a day deliveries are signed with the old one too, so the receiver
// can switch without refusing any; {"keep_previous": false} drops the old
// one at once (a leaked secret).
func (s *Server) rotateSubscriptionSecret(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.changeable(r)
	if err != nil {
		return err
	}
	req := struct {
		KeepPrevious *bool `json:"keep_previous"`
	}{}
	if err := decodeOptional(r, &req); err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	sub.PreviousSecret, sub.PreviousUntil = "", nil
	if req.KeepPrevious == nil || *req.KeepPrevious {
		until := now.Add(24 * time.Hour)
		sub.PreviousSecret, sub.PreviousUntil = sub.Secret, &until
	}
	sub.Secret, sub.UpdatedAt = baton.NewToken("whsec"), now
	if err := s.Engine.PutSubscription(r.Context(), sub); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, subscriptionView{Subscription: sub, Secret: sub.Secret})
}

func (s *Server) deleteSubscription(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.changeable(r)
	if err != nil {
		return err
	}
	if err := s.Engine.DeleteSubscription(r.Context(), sub.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listEventDeliveries is the delivery log, newest first, filtered by
// target (or subscription), status, conversation and event type; pages go
// on with before=<next_before>.
func (s *Server) listEventDeliveries(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.require(r, baton.RoleAdmin); err != nil {
		return err
	}
	q := r.URL.Query()
	f := baton.HookDeliveryFilter{Target: q.Get("target"), Status: baton.HookStatus(q.Get("status")),
		ConversationID: q.Get("conversation_id"), EventType: q.Get("type")}
	if sub := q.Get("subscription"); sub != "" {
		f.Target = baton.WebhookTarget(sub)
	}
	switch f.Status {
	case "", baton.HookPending, baton.HookDelivered, baton.HookFailed:
	default:
		return baton.Errorf(baton.EINVALID, "status must be pending, delivered or failed")
	}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return baton.Errorf(baton.EINVALID, "before must be a delivery id")
		}
		f.Before = n
	}
	f.Limit = 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return baton.Errorf(baton.EINVALID, "limit must be between 1 and 500")
		}
		f.Limit = n
	}
	ds, err := s.Store.HookDeliveries(r.Context(), f)
	if err != nil {
		return err
	}
	out := map[string]any{"deliveries": ds}
	if ds == nil {
		out["deliveries"] = []*baton.HookDelivery{}
	}
	if len(ds) == f.Limit {
		out["next_before"] = ds[len(ds)-1].ID
	}
	return writeJSON(w, http.StatusOK, out)
}

func deliveryID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, baton.Errorf(baton.ENOTFOUND, "delivery not found")
	}
	return id, nil
}

// getEventDelivery returns one delivery with the event it carries.
func (s *Server) getEventDelivery(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.require(r, baton.RoleAdmin); err != nil {
		return err
	}
	id, err := deliveryID(r)
	if err != nil {
		return err
	}
	d, err := s.Store.HookDelivery(r.Context(), id)
	if err != nil {
		return err
	}
	body, err := s.Store.HookEventBody(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct {
		*baton.HookDelivery
		Event json.RawMessage `json:"event"`
	}{d, body})
}

func (s *Server) retryEventDelivery(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.require(r, baton.RoleAdmin); err != nil {
		return err
	}
	id, err := deliveryID(r)
	if err != nil {
		return err
	}
	d, err := s.Engine.RetryHookDelivery(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

// testSubscription posts a "ping" event to a subscription at once, outside
// the outbox, and tells how the receiver answered: for an operator wiring
// a receiver up.
func (s *Server) testSubscription(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.require(r, baton.RoleAdmin); err != nil {
		return err
	}
	sub, err := s.Store.Subscription(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if s.Engine.Webhooks == nil {
		return baton.Errorf(baton.EUNAVAILABLE, "webhooks are not configured")
	}
	now := s.now().UTC()
	ev := map[string]any{"id": baton.NewID("evt"), "type": "ping", "created_at": now, "subscription": sub.ID}
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	code, err := s.Engine.Webhooks.Post(ctx, sub, &baton.HookDelivery{EventID: ev["id"].(string), EventType: "ping"}, body)
	out := map[string]any{"delivered": err == nil, "status_code": code, "event": json.RawMessage(body)}
	if err != nil {
		var se *baton.SendError
		if errors.As(err, &se) {
			out["error"] = se.Reason
		} else {
			out["error"] = err.Error()
		}
	}
	return writeJSON(w, http.StatusOK, out)
}
