// Package httpapi is the API's plumbing shared by every handler: reading bodies and
// parameters within their limits, and writing answers and errors in the one shape.
package httpapi

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/sdk"
)

// ErrorBody is the one shape of every error the API returns.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is what went wrong: a code, a message, and details such as the failing fields.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details,omitempty"`
}

// ErrorFields are the details of an invalid request: each failing field with its rule.
type ErrorFields struct {
	Fields []FieldDetail `json:"fields"`
}

// FieldDetail is one failing field of an invalid request.
type FieldDetail struct {
	Field string `json:"field"`
	Rule  string `json:"rule"`
}

var kindStatus = []struct {
	kind   error
	status int
	code   string
}{
	{sdk.ErrNotFound, http.StatusNotFound, "not_found"},
	{sdk.ErrAlreadyExists, http.StatusConflict, "already_exists"},
	{sdk.ErrInvalidArgument, http.StatusBadRequest, "invalid_argument"},
	{sdk.ErrPermissionDenied, http.StatusForbidden, "permission_denied"},
	{sdk.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated"},
	{sdk.ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
	{sdk.ErrConflict, http.StatusConflict, "conflict"},
	{sdk.ErrUnimplemented, http.StatusNotImplemented, "not_implemented"},
}

var statusCodes = map[int]string{
	http.StatusBadRequest:            "invalid_argument",
	http.StatusUnauthorized:          "unauthenticated",
	http.StatusForbidden:             "permission_denied",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "too_large",
	http.StatusTooManyRequests:       "too_many_requests",
	http.StatusServiceUnavailable:    "unavailable",
}

// ErrorHandler writes every error, from handlers, plugins or echo itself, in the one shape.
// Errors of unknown kind are logged with the request id and answered without their text.
func ErrorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status, body := Describe(err)
		if status >= 500 && status != http.StatusServiceUnavailable && status != http.StatusNotImplemented {
			log.Error("request failed", "error", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
				"method", c.Request().Method, "path", c.Path())
		}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		_ = c.JSON(status, body)
	}
}

// Describe is the status and the body an error is answered with.
func Describe(err error) (int, ErrorBody) {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code, ok := statusCodes[he.Code]
		if !ok {
			code = "error"
		}
		msg, ok := he.Message.(string)
		if !ok {
			msg = http.StatusText(he.Code)
		}
		return he.Code, ErrorBody{ErrorDetail{Code: code, Message: shorten(msg)}}
	}
	for _, ks := range kindStatus {
		if errors.Is(err, ks.kind) {
			detail := ErrorDetail{Code: ks.code, Message: shorten(message(err))}
			if fields := sdk.FieldsOf(err); len(fields) > 0 {
				list := make([]FieldDetail, len(fields))
				for n, f := range fields {
					list[n] = FieldDetail{Field: shorten(f.Field), Rule: shorten(f.Rule)}
				}
				detail.Details = ErrorFields{Fields: list}
			}
			return ks.status, ErrorBody{detail}
		}
	}
	return http.StatusInternalServerError, ErrorBody{ErrorDetail{Code: "internal", Message: "internal error; the request id is in the X-Request-Id header and in the server's log"}}
}

// message is the error's own text without the field list, which travels as details.
func message(err error) string {
	var e *sdk.Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return err.Error()
}
