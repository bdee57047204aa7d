package api

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/password"
)

type agentView struct {
	*baton.Agent
	Token  string `json:"token,omitempty"`
	Active *int   `json:"active,omitempty"`
	// HasPassword tells whether the agent can sign in to the inbox.
	HasPassword bool `json:"has_password"`
}

func newAgentView(a *baton.Agent) agentView {
	return agentView{Agent: a, HasPassword: len(a.PasswordHash) > 0}
}

type createAgentRequest struct {
	Name          string   `json:"name"`
	Email         string   `json:"email"`
	Departments   []string `json:"departments"`
	Skills        []string `json:"skills"`
	MaxConcurrent *int     `json:"max_concurrent"`
	// Password lets the agent sign in to the inbox (with their email).
	Password string `json:"password"`
}

func (s *Server) createAgent(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.require(r, baton.RoleAdmin); err != nil {
		return err
	}
	var req createAgentRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	max := 3
	if req.MaxConcurrent != nil {
		max = *req.MaxConcurrent
	}
	if err := s.checkProfile(req.Name, req.Email, req.Departments, req.Skills, max); err != nil {
		return err
	}
	req.Name = strings.TrimSpace(req.Name)
	var pwHash []byte
	if req.Password != "" {
		if req.Email == "" {
			return baton.Errorf(baton.EINVALID, "an agent with a password needs an email to sign in with")
		}
		h, err := password.Hash(req.Password)
		if err != nil {
			return err
		}
		pwHash = h
	}
	token := baton.NewToken(baton.TokenPrefixAgent)
	now := time.Now().UTC().Truncate(time.Microsecond)
	a := &baton.Agent{ID: baton.NewID("a"), Name: req.Name, Email: req.Email, Departments: req.Departments,
		Skills: req.Skills, MaxConcurrent: max, Status: baton.StatusOffline, TokenHash: baton.HashToken(token),
		CreatedAt: now, UpdatedAt: now, PasswordHash: pwHash}
	if a.Skills == nil {
		a.Skills = []string{}
	}
	if err := s.Store.CreateAgent(r.Context(), a); err != nil {
		return err
	}
	v := newAgentView(a)
	v.Token = token
	return writeJSON(w, http.StatusCreated, v)
}

// checkProfile validates what an admin may set on an agent.
func (s *Server) checkProfile(name, email string, departments, skills []string, maxConcurrent int) error {
	if name = strings.TrimSpace(name); name == "" || utf8.RuneCountInString(name) > 200 {
		return baton.Errorf(baton.EINVALID, "name is required (at most 200 characters)")
	}
	if utf8.RuneCountInString(email) > 200 {
		return baton.Errorf(baton.EINVALID, "email is longer than 200 characters")
	}
	if len(skills) > 30 {
		return baton.Errorf(baton.EINVALID, "at most 30 skills")
	}
	for _, sk := range skills {
		if sk == "" || utf8.RuneCountInString(sk) > 64 {
			return baton.Errorf(baton.EINVALID, "skills must be 1 to 64 characters")
		}
	}
	if len(departments) == 0 {
		return baton.Errorf(baton.EINVALID, "departments must name at least one department")
	}
	for _, d := range departments {
		if s.department(d) == nil {
			return baton.Errorf(baton.EINVALID, "unknown department %q", d)
		}
	}
	if maxConcurrent < 1 || maxConcurrent > 100 {
		return baton.Errorf(baton.EINVALID, "max_concurrent must be between 1 and 100")
	}
	return nil
}

// updateAgent changes an agent's profile: the fields given, the rest kept.
func (s *Server) updateAgent(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.require(r, baton.RoleAdmin); err != nil {
		return err
	}
	var req struct {
		Name          *string   `json:"name"`
		Email         *string   `json:"email"`
		Departments   *[]string `json:"departments"`
		Skills        *[]string `json:"skills"`
		MaxConcurrent *int      `json:"max_concurrent"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	a, err := s.Store.Agent(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if req.Name != nil {
		a.Name = strings.TrimSpace(*req.Name)
	}
	if req.Email != nil {
		a.Email = strings.TrimSpace(*req.Email)
	}
	if req.Departments != nil {
		a.Departments = *req.Departments
	}
	if req.Skills != nil {
		a.Skills = *req.Skills
	}
	if req.MaxConcurrent != nil {
		a.MaxConcurrent = *req.MaxConcurrent
	}
	if err := s.checkProfile(a.Name, a.Email, a.Departments, a.Skills, a.MaxConcurrent); err != nil {
		return err
	}
	s.agentNames.Delete(a.ID)
	if err := s.Engine.UpdateAgent(r.Context(), a); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newAgentView(a))
}

func (s *Server) listAgents(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.require(r, baton.RoleAgent, baton.RoleAdmin); err != nil {
		return err
	}
	loads, err := s.Engine.AgentLoads(r.Context())
	if err != nil {
		return err
	}
	out := make([]agentView, len(loads))
	for i, l := range loads {
		out[i] = newAgentView(l.Agent)
		out[i].Active = &l.Active
	}
	return writeJSON(w, http.StatusOK, map[string]any{"agents": out})
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	a, err := s.require(r, baton.RoleAgent)
	if err != nil {
		return err
	}
	v := newAgentView(a.Agent)
	counts, err := s.Store.ActiveCounts(r.Context())
	if err != nil {
		return err
	}
	active := counts[a.Agent.ID]
	v.Active = &active
	return writeJSON(w, http.StatusOK, v)
}

// setMyPassword changes the caller's own password; the current one is
// needed if there is one. Other sessions end; the caller's browser gets a
// new session.
func (s *Server) setMyPassword(w http.ResponseWriter, r *http.Request) error {
	a, err := s.require(r, baton.RoleAgent)
	if err != nil {
		return err
	}
	var req struct {
		Current  string `json:"current_password"`
		Password string `json:"password"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if len(a.Agent.PasswordHash) > 0 && !password.Matches(a.Agent.PasswordHash, req.Current) {
		return baton.Errorf(baton.EFORBIDDEN, "current_password is wrong")
	}
	if err := s.storePassword(r, a.Agent, req.Password); err != nil {
		return err
	}
	if _, err := r.Cookie(sessionCookie); err == nil && bearer(r) == "" {
		return s.startSession(w, r, a.Agent, time.Now())
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// setAgentPassword lets an admin set (or, with "", remove) an agent's password.
func (s *Server) setAgentPassword(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.require(r, baton.RoleAdmin); err != nil {
		return err
	}
	var req struct {
		Password *string `json:"password"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Password == nil {
		return baton.Errorf(baton.EINVALID, `password is required ("" removes it)`)
	}
	a, err := s.Store.Agent(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if *req.Password == "" {
		if err := s.Store.SetAgentPassword(r.Context(), a.ID, nil, time.Now().UTC()); err != nil {
			return err
		}
	} else if err := s.storePassword(r, a, *req.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) storePassword(r *http.Request, a *baton.Agent, pw string) error {
	if a.Email == "" {
		return baton.Errorf(baton.EINVALID, "agent %s has no email to sign in with; set one first", a.ID)
	}
	h, err := password.Hash(pw)
	if err != nil {
		return err
	}
	a.PasswordHash = h
	return s.Store.SetAgentPassword(r.Context(), a.ID, h, time.Now().UTC())
}

// listCannedReplies lists the prepared answers for the caller's departments.
func (s *Server) listCannedReplies(w http.ResponseWriter, r *http.Request) error {
	a, err := s.require(r, baton.RoleAgent, baton.RoleAdmin)
	if err != nil {
		return err
	}
	out := []baton.CannedReply{}
	for _, c := range s.CannedReplies {
		if c.Department == "" || a.Agent == nil || a.Agent.InDepartment(c.Department) {
			out = append(out, c)
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"canned_replies": out})
}

type statusRequest struct {
	Status baton.AgentStatus `json:"status"`
}

func (s *Server) setMyStatus(w http.ResponseWriter, r *http.Request) error {
	a, err := s.require(r, baton.RoleAgent)
	if err != nil {
		return err
	}
	var req statusRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	ag, err := s.Engine.SetAgentStatus(r.Context(), a.Agent, req.Status)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newAgentView(ag))
}

func (s *Server) setAgentStatus(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.require(r, baton.RoleAdmin); err != nil {
		return err
	}
	var req statusRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	a, err := s.Store.Agent(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	ag, err := s.Engine.SetAgentStatus(r.Context(), a, req.Status)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newAgentView(ag))
}

// rotateAgentToken gives an agent a new token; the old one stops working at once.
func (s *Server) rotateAgentToken(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.require(r, baton.RoleAdmin); err != nil {
		return err
	}
	a, err := s.Store.Agent(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	token := baton.NewToken(baton.TokenPrefixAgent)
	a.TokenHash = baton.HashToken(token)
	a.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	if err := s.Store.SetAgentToken(r.Context(), a.ID, a.TokenHash, a.UpdatedAt); err != nil {
		return err
	}
	v := newAgentView(a)
	v.Token = token
	return writeJSON(w, http.StatusOK, v)
}

func (s *Server) createIntegration(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.require(r, baton.RoleAdmin); err != nil {
		return err
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Name = strings.TrimSpace(req.Name); req.Name == "" {
		return baton.Errorf(baton.EINVALID, "name is required")
	}
	token := baton.NewToken(baton.TokenPrefixIntegration)
	i := &baton.Integration{ID: baton.NewID("i"), Name: req.Name, TokenHash: baton.HashToken(token),
		CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := s.Store.CreateIntegration(r.Context(), i); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"id": i.ID, "name": i.Name, "token": token, "created_at": i.CreatedAt})
}

func (s *Server) listDepartments(w http.ResponseWriter, r *http.Request) error {
	type deptView struct {
		*baton.Department
		OpenNow bool `json:"open_now"`
		// NextOpen is when a closed department opens again.
		NextOpen *time.Time `json:"next_open,omitempty"`
		TimeZone string     `json:"time_zone,omitempty"`
	}
	now := time.Now()
	out := make([]deptView, len(s.Departments))
	for i, d := range s.Departments {
		v := deptView{Department: d, OpenNow: d.Hours == nil || d.Hours.OpenAt(now)}
		if !v.OpenNow {
			if next, ok := d.Hours.NextOpen(now); ok {
				v.NextOpen = &next
			}
		}
		if z, ok := d.Hours.(interface{ Location() *time.Location }); ok {
			v.TimeZone = z.Location().String()
		}
		out[i] = v
	}
	return writeJSON(w, http.StatusOK, map[string]any{"departments": out})
}
