package lifecycle

import (
	"encoding/json"
	"time"
)

// Keys of a release's lifecycle state (sdk.ReleaseMetadata.Lifecycle). The engine writes
// lastActive, runningSince, suspendedAt, suspendedBy and notice; the owner writes keepUntil
// and idleAfter; the launch writes ownerEmail. Writes merge key by key, so the engine and
// the owner never undo each other.
const (
	keyLastActive   = "lastActive"
	keyRunningSince = "runningSince"
	keySuspendedAt  = "suspendedAt"
	keySuspendedBy  = "suspendedBy"
	keyNotice       = "notice"
	keyKeepUntil    = "keepUntil"
	keyIdleAfter    = "idleAfter"
	// KeyLastRequest is when the service gateway last served the service (written at most
	// once a minute by each replica's gateway).
	KeyLastRequest = "lastRequest"
	// KeyOwnerEmail is where a launch keeps the owner's address for notices: Basalt has no
	// directory of users.
	KeyOwnerEmail = "ownerEmail"
)

// Steps the engine takes.
const (
	ActSuspend = "suspend"
	ActResume  = "resume"
	ActDelete  = "delete"
)

// Reasons for a step.
const (
	ReasonIdle      = "idle"
	ReasonLifetime  = "lifetime"
	ReasonSchedule  = "schedule"
	ReasonSuspended = "suspended" // deleted after a long suspension
	ReasonFleet     = "fleet"     // an administrator's fleet action
)

// Notice is a step announced to the owner: what, why, when it will happen and when it was
// sent.
type Notice struct {
	Action string    `json:"action"`
	Reason string    `json:"reason"`
	Due    time.Time `json:"due"`
	Sent   time.Time `json:"sent"`
}

// State is a release's lifecycle state, read from its keys. Times are zero when unset.
type State struct {
	LastActive   time.Time
	RunningSince time.Time
	SuspendedAt  time.Time
	SuspendedBy  string
	Notice       *Notice
	KeepUntil    time.Time
	IdleAfter    time.Duration // the owner's choice; 0: the policy's
	OwnerEmail   string
	LastRequest  time.Time
}

// ReadState parses a release's lifecycle keys; a value that does not parse counts as unset
// (the engine then starts that part anew rather than stopping).
func ReadState(keys map[string]string) State {
	s := State{
		LastActive:   parseTime(keys[keyLastActive]),
		RunningSince: parseTime(keys[keyRunningSince]),
		SuspendedAt:  parseTime(keys[keySuspendedAt]),
		SuspendedBy:  keys[keySuspendedBy],
		KeepUntil:    parseTime(keys[keyKeepUntil]),
		OwnerEmail:   keys[KeyOwnerEmail],
		LastRequest:  parseTime(keys[KeyLastRequest]),
	}
	if d, err := time.ParseDuration(keys[keyIdleAfter]); err == nil && d > 0 {
		s.IdleAfter = d
	}
	if raw := keys[keyNotice]; raw != "" {
		var n Notice
		if json.Unmarshal([]byte(raw), &n) == nil && n.Action != "" {
			s.Notice = &n
		}
	}
	return s
}

func parseTime(v string) time.Time {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}
	}
	return t
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func encodeNotice(n *Notice) string {
	if n == nil {
		return ""
	}
	n.Due, n.Sent = n.Due.UTC().Truncate(time.Second), n.Sent.UTC().Truncate(time.Second)
	b, _ := json.Marshal(n)
	return string(b)
}

// KeepChange is the keys that keep a service from every step until a time (zero: no longer).
// A pending notice is withdrawn with it.
func KeepChange(until time.Time) map[string]string {
	v := formatTime(until)
	if v == "" {
		return map[string]string{keyKeepUntil: ""}
	}
	return map[string]string{keyKeepUntil: v, keyNotice: ""}
}

// IdleAfterChange is the keys that set the owner's idle time (0: the policy's).
func IdleAfterChange(d time.Duration) map[string]string {
	if d <= 0 {
		return map[string]string{keyIdleAfter: ""}
	}
	return map[string]string{keyIdleAfter: d.String(), keyNotice: ""}
}
