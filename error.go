package baton

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the api package; clients see
// the code and the message, never the internals behind an EINTERNAL.
const (
	ECONFLICT     = "conflict"     // the state changed or someone else has it
	EINTERNAL     = "internal"     // a bug or a failed dependency
	EINVALID      = "invalid"      // the request is malformed or not allowed as given
	ENOTFOUND     = "not_found"    // no such thing, or not yours to see
	EUNAUTHORIZED = "unauthorized" // no valid credentials
	EFORBIDDEN    = "forbidden"    // valid credentials, not allowed
	ETOOLARGE     = "too_large"    // the request body is over the limit
	EUNAVAILABLE  = "unavailable"  // overloaded or shutting down; retry later
	ERATELIMITED  = "rate_limited" // this client sent too many requests; retry later
)

// Error is a domain error with a machine-readable code and a message that is
// safe to show to the caller.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("baton: %s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error,
// and EINTERNAL for any other non-nil error.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the caller-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "internal error"
	}
}
