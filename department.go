package baton

import "time"

// Department is a team that takes handoffs, with its opening hours and
// the details it needs before a human sees the case.
type Department struct {
	Name     string       `json:"name"`
	Title    string       `json:"title"`
	Required []DetailSpec `json:"required,omitempty"`
	// Hours is the department's calendar; nil means always open.
	Hours Calendar `json:"-"`
}

// DisplayName is the title if set, else the name.
func (d *Department) DisplayName() string {
	if d.Title != "" {
		return d.Title
	}
	return d.Name
}

// DetailSpec is one piece of information a department needs, asked of the
// customer during the handoff when it is not already known.
type DetailSpec struct {
	Key    string `json:"key"`
	Prompt string `json:"prompt"`
	// Kind selects the validator: "email" or "text".
	Kind string `json:"kind"`
}

// Calendar tells when a department is open.
type Calendar interface {
	OpenAt(t time.Time) bool
	// NextOpen returns the next instant at or after t when the department is
	// open, and false if it never opens again.
	NextOpen(t time.Time) (time.Time, bool)
}
