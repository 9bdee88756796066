package sdk

import (
	"errors"
	"fmt"
	"strings"
)

// The error kinds every contract uses. They survive the plugin wire (mapped to gRPC codes and
// back) so the core can answer with the right HTTP status using errors.Is, never by matching
// text.
var (
	ErrNotFound         = errors.New("not found")
	ErrAlreadyExists    = errors.New("already exists")
	ErrInvalidArgument  = errors.New("invalid argument")
	ErrPermissionDenied = errors.New("permission denied")
	ErrUnauthenticated  = errors.New("unauthenticated")
	ErrUnavailable      = errors.New("unavailable")
	ErrConflict         = errors.New("conflict")
	ErrUnimplemented    = errors.New("not implemented")
)

// FieldViolation names one field of a request and the rule its value breaks.
type FieldViolation struct {
	Field string // a dotted path, e.g. "resources.limits.cpu"
	Rule  string // what is wrong, in words a user understands
}

// Error is an error of a known kind with a message and, for invalid arguments, the fields at
// fault. errors.Is(err, ErrNotFound) and friends work on it.
type Error struct {
	Kind    error
	Message string
	Fields  []FieldViolation
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	if e.Message == "" {
		b.WriteString(e.Kind.Error())
	}
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Field)
		b.WriteString(": ")
		b.WriteString(f.Rule)
	}
	return b.String()
}

// Is reports whether target is this error's kind.
func (e *Error) Is(target error) bool { return e.Kind == target }

// Errorf returns an error of the given kind with a formatted message.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// InvalidFields returns an ErrInvalidArgument error that lists every failing field.
func InvalidFields(message string, fields ...FieldViolation) error {
	return &Error{Kind: ErrInvalidArgument, Message: message, Fields: fields}
}

// KindOf returns the kind of err (one of the Err* sentinels) or nil when it has none.
func KindOf(err error) error {
	for _, kind := range kinds {
		if errors.Is(err, kind) {
			return kind
		}
	}
	return nil
}

// FieldsOf returns the field violations carried by err, if any.
func FieldsOf(err error) []FieldViolation {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

var kinds = []error{
	ErrNotFound, ErrAlreadyExists, ErrInvalidArgument, ErrPermissionDenied,
	ErrUnauthenticated, ErrUnavailable, ErrConflict, ErrUnimplemented,
}
