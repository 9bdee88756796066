// Package wire turns the sdk's Go contracts into the gRPC protocol and back: one server
// adapter and one client adapter per kind, with pure, nil-safe converters at the edge.
package wire

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/basalt-dev/basalt/sdk"
)

var kindCodes = map[error]codes.Code{
	sdk.ErrNotFound:         codes.NotFound,
	sdk.ErrAlreadyExists:    codes.AlreadyExists,
	sdk.ErrInvalidArgument:  codes.InvalidArgument,
	sdk.ErrPermissionDenied: codes.PermissionDenied,
	sdk.ErrUnauthenticated:  codes.Unauthenticated,
	sdk.ErrUnavailable:      codes.Unavailable,
	sdk.ErrConflict:         codes.Aborted,
	sdk.ErrUnimplemented:    codes.Unimplemented,
}

var codeKinds = func() map[codes.Code]error {
	m := make(map[codes.Code]error, len(kindCodes))
	for kind, code := range kindCodes {
		m[code] = kind
	}
	m[codes.FailedPrecondition] = sdk.ErrConflict
	return m
}()

// toStatus encodes an implementation's error for the wire, keeping its kind and fields.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	}
	code := codes.Unknown
	if kind := sdk.KindOf(err); kind != nil {
		code = kindCodes[kind]
	}
	msg := err.Error()
	var e *sdk.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		msg = e.Message // the fields travel as details, not twice in the text
	}
	st := status.New(code, msg)
	if fields := sdk.FieldsOf(err); len(fields) > 0 {
		br := &errdetails.BadRequest{}
		for _, f := range fields {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: f.Field, Description: f.Rule})
		}
		if withDetails, derr := st.WithDetails(br); derr == nil {
			st = withDetails
		}
	}
	return st.Err()
}

// fromStatus decodes an error from the wire into an sdk error of the same kind.
func fromStatus(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	switch st.Code() {
	case codes.Canceled:
		return context.Canceled
	case codes.DeadlineExceeded:
		return context.DeadlineExceeded
	}
	kind, known := codeKinds[st.Code()]
	if !known {
		return fmt.Errorf("plugin: %s", st.Message())
	}
	e := &sdk.Error{Kind: kind, Message: st.Message()}
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				e.Fields = append(e.Fields, sdk.FieldViolation{Field: v.GetField(), Rule: v.GetDescription()})
			}
		}
	}
	return e
}
