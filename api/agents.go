package api

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

type agentView struct {
	*baton.Agent
	Token  string `json:"token,omitempty"`
	Active *int   `json:"active,omitempty"`
}

type createAgentRequest struct {
	Name          string   `json:"name"`
	Email         string   `json:"email"`
	Departments   []string `json:"departments"`
	Skills        []string `json:"skills"`
	MaxConcurrent *int     `json:"max_concurrent"`
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
	token := baton.NewToken(baton.TokenPrefixAgent)
	now := time.Now().UTC().Truncate(time.Microsecond)
	a := &baton.Agent{ID: baton.NewID("a"), Name: req.Name, Email: req.Email, Departments: req.Departments,
		Skills: req.Skills, MaxConcurrent: max, Status: baton.StatusOffline, TokenHash: baton.HashToken(token),
		CreatedAt: now, UpdatedAt: now}
	if a.Skills == nil {
		a.Skills = []string{}
	}
	if err := s.Store.CreateAgent(r.Context(), a); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, agentView{Agent: a, Token: token})
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
	if err := s.Engine.UpdateAgent(r.Context(), a); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, agentView{Agent: a})
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
		out[i] = agentView{Agent: l.Agent, Active: &l.Active}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"agents": out})
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	a, err := s.require(r, baton.RoleAgent)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, agentView{Agent: a.Agent})
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
	return writeJSON(w, http.StatusOK, agentView{Agent: ag})
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
	return writeJSON(w, http.StatusOK, agentView{Agent: ag})
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
	return writeJSON(w, http.StatusOK, agentView{Agent: a, Token: token})
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
