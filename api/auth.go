package api

import (
	"net/http"
	"strings"

	"github.com/batonhq/baton"
)

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	// Browsers cannot set headers on a WebSocket handshake.
	if strings.HasSuffix(r.URL.Path, "/stream") {
		return r.URL.Query().Get("access_token")
	}
	return ""
}

// authenticate returns the caller behind the request's bearer token.
// conversationID is the conversation the request is about, if any: a
// customer token is valid only for its own conversation.
func (s *Server) authenticate(r *http.Request, conversationID string) (baton.Actor, error) {
	token := bearer(r)
	if token == "" {
		if a, ok, err := s.cookieActor(r); ok {
			return a, err
		}
		return baton.Actor{}, baton.Errorf(baton.EUNAUTHORIZED, "missing bearer token (Authorization: Bearer <token>)")
	}
	// The admin token may be chosen by the operator, so it has no fixed prefix.
	if baton.TokenMatches(token, s.AdminTokenHash) {
		return baton.Actor{Role: baton.RoleAdmin}, nil
	}
	prefix, _, _ := strings.Cut(token, "_")
	ctx := r.Context()
	switch prefix {
	case baton.TokenPrefixAgent:
		if a, err := s.Store.AgentByTokenHash(ctx, baton.HashToken(token)); err == nil {
			return baton.Actor{Role: baton.RoleAgent, Agent: a}, nil
		} else if baton.ErrorCode(err) != baton.ENOTFOUND {
			return baton.Actor{}, err
		}
	case baton.TokenPrefixIntegration:
		if i, err := s.Store.IntegrationByTokenHash(ctx, baton.HashToken(token)); err == nil {
			return baton.Actor{Role: baton.RoleBot, IntegrationID: i.ID}, nil
		} else if baton.ErrorCode(err) != baton.ENOTFOUND {
			return baton.Actor{}, err
		}
	case baton.TokenPrefixCustomer:
		if conversationID == "" {
			return baton.Actor{}, baton.Errorf(baton.EFORBIDDEN, "a customer token is only valid on its own conversation")
		}
		c, err := s.Engine.Conversation(ctx, conversationID)
		if err != nil {
			if baton.ErrorCode(err) == baton.ENOTFOUND {
				return baton.Actor{}, baton.Errorf(baton.EFORBIDDEN, "this token does not grant access to conversation %s", conversationID)
			}
			return baton.Actor{}, err
		}
		if baton.TokenMatches(token, c.CustomerTokenHash) {
			return baton.Actor{Role: baton.RoleCustomer, ConversationID: c.ID}, nil
		}
		return baton.Actor{}, baton.Errorf(baton.EFORBIDDEN, "this token does not grant access to conversation %s", conversationID)
	}
	return baton.Actor{}, baton.Errorf(baton.EUNAUTHORIZED, "invalid bearer token")
}

// require authenticates and checks the caller has one of the roles.
func (s *Server) require(r *http.Request, roles ...baton.Role) (baton.Actor, error) {
	a, err := s.authenticate(r, r.PathValue("id"))
	if err != nil {
		return a, err
	}
	for _, role := range roles {
		if a.Role == role {
			return a, nil
		}
	}
	return a, errNeedRole(roles...)
}

// conversationFor authenticates the caller and returns the conversation of
// the request path, if the caller may see it.
func (s *Server) conversationFor(r *http.Request, roles ...baton.Role) (baton.Actor, *baton.Conversation, error) {
	a, err := s.require(r, roles...)
	if err != nil {
		return a, nil, err
	}
	c, err := s.visibleTo(r, a)
	return a, c, err
}

// visibleTo returns the conversation of the request path if a may see it.
func (s *Server) visibleTo(r *http.Request, a baton.Actor) (*baton.Conversation, error) {
	c, err := s.Engine.Conversation(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if !a.CanSee(c) {
		return nil, baton.Errorf(baton.EFORBIDDEN, "conversation %s is not in your departments", c.ID)
	}
	return c, nil
}
