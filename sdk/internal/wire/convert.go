package wire

import (
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/internal/pb/pluginv1"
)

func toTimestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func fromTimestamp(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}

func toDuration(d time.Duration) *durationpb.Duration {
	if d == 0 {
		return nil
	}
	return durationpb.New(d)
}

func fromDuration(d *durationpb.Duration) time.Duration {
	if d == nil {
		return 0
	}
	return d.AsDuration()
}

func toCaller(c sdk.Caller) *pluginv1.Caller {
	return &pluginv1.Caller{
		Subject: c.Subject, Username: c.Username, Email: c.Email,
		Groups: c.Groups, Roles: c.Roles, IdToken: c.IDToken,
	}
}

func fromCaller(c *pluginv1.Caller) sdk.Caller {
	return sdk.Caller{
		Subject: c.GetSubject(), Username: c.GetUsername(), Email: c.GetEmail(),
		Groups: c.GetGroups(), Roles: c.GetRoles(), IDToken: c.GetIdToken(),
	}
}

func toProject(p sdk.Project) *pluginv1.Project {
	return &pluginv1.Project{Id: p.ID, Group: p.Group}
}

func fromProject(p *pluginv1.Project) sdk.Project {
	return sdk.Project{ID: p.GetId(), Group: p.GetGroup()}
}

func toInts(in []int) []int32 {
	if in == nil {
		return nil
	}
	out := make([]int32, len(in))
	for i, v := range in {
		out[i] = int32(v)
	}
	return out
}

func fromInts(in []int32) []int {
	if in == nil {
		return nil
	}
	out := make([]int, len(in))
	for i, v := range in {
		out[i] = int(v)
	}
	return out
}

// mapSlice converts every element of a slice, keeping nil as nil.
func mapSlice[T, U any](in []T, f func(T) U) []U {
	if in == nil {
		return nil
	}
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
