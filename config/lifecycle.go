package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Lifecycle configures the engine that suspends idle services and deletes forgotten ones,
// always after a notice.
type Lifecycle struct {
	Enabled  bool          `koanf:"enabled" doc:"Run the lifecycle engine: services idle, past their lifetime or outside working hours are suspended, and suspended ones deleted, as policies say, each step announced first."`
	Interval time.Duration `koanf:"interval" doc:"How often the engine looks at every service of every region."`
	// A pod using less CPU than this is doing nothing a user waits for.
	BusyMillicores int64 `koanf:"busy_millicores" doc:"A service whose pods use more CPU than this, in millicores (the cluster's metrics API), is in use, whether or not a browser is open."`
	// The engine's first pass over services it never saw writes a state for each of them.
	WritesPerSecond float64                 `koanf:"writes_per_second" doc:"The most service states the engine writes a second (each a read and a write of the release's metadata at the API server): its first pass over services it has not seen yet (a platform's existing ones) writes one for each, and this keeps that from crowding out users' calls. 0: no limit."`
	Policies        []LifecyclePolicy       `koanf:"policies" doc:"The rules, the first one that matches a service applies; a service no policy matches is never suspended nor deleted by the engine."`
	Probes          []LifecycleProbe        `koanf:"probes" doc:"Applications asked whether they are in use, beside their CPU: a service of a chart listed here is in use while the application says so."`
	Notices         LifecycleNotices        `koanf:"notices" doc:"How owners are told of a step before the engine takes it."`
	LeaderElection  LifecycleLeaderElection `koanf:"leader_election" doc:"With several replicas of Basalt, one engine acts at a time: the holder of a Kubernetes Lease."`
}

// LifecyclePolicy is what an administrator allows for the services it matches. Durations of
// 0 turn a step off.
type LifecyclePolicy struct {
	Name     string   `koanf:"name" doc:"Shown to users beside the values it sets, e.g. \"Working hours\"."`
	Regions  []string `koanf:"regions" doc:"Region ids it applies to; empty: every region."`
	Catalogs []string `koanf:"catalogs" doc:"Catalog ids it applies to; empty: every catalog."`
	Projects []string `koanf:"projects" doc:"Project ids it applies to, * as a wildcard (user-*, project-*); empty: every project."`

	SuspendAfterIdle     time.Duration     `koanf:"suspend_after_idle" doc:"Suspend a running service idle this long (no CPU above busy_millicores); 0: never for idleness."`
	MaxSuspendAfterIdle  time.Duration     `koanf:"max_suspend_after_idle" doc:"Owners may choose a longer idle time for a service, up to this; 0: they may not change it."`
	DeleteAfterSuspended time.Duration     `koanf:"delete_after_suspended" doc:"Delete a service suspended this long (by anyone); 0: never."`
	MaxLifetime          time.Duration     `koanf:"max_lifetime" doc:"Suspend a service that has run this long since it was launched or last resumed, busy or not; 0: no limit."`
	MaxKeep              time.Duration     `koanf:"max_keep" doc:"How far ahead an owner may keep a service from every step (\"keep until Friday\"); 0: owners cannot keep services."`
	Schedule             LifecycleSchedule `koanf:"schedule" doc:"Working hours: services suspended every evening, and optionally started again in the morning."`
}

// LifecycleProbe asks an application itself whether it is in use.
type LifecycleProbe struct {
	Charts     []string `koanf:"charts" doc:"Names of the charts whose services answer this probe."`
	Kind       string   `koanf:"kind" doc:"jupyter: Jupyter Server's REST API (/api/kernels): in use while a kernel is busy or ran something within the last two intervals; an open tab on idle kernels is not use."`
	TokenValue string   `koanf:"token_value" doc:"Path of the chart's value holding the application's token, e.g. security.password (Onyxia's Jupyter charts start Jupyter with it); empty: no token."`
}

// Probe kinds.
const ProbeJupyter = "jupyter"

// LifecycleSchedule suspends services at a time of day and may resume them at another.
type LifecycleSchedule struct {
	SuspendAt string   `koanf:"suspend_at" doc:"Time of day (HH:MM) at which running services are suspended; empty: no schedule."`
	ResumeAt  string   `koanf:"resume_at" doc:"Time of day (HH:MM) at which services the schedule suspended start again; empty: they stay suspended until their owner resumes them."`
	Days      []string `koanf:"days" doc:"Days the schedule applies: mon, tue, wed, thu, fri, sat, sun; empty: every day."`
	TimeZone  string   `koanf:"time_zone" doc:"IANA time zone of the times, e.g. Europe/Paris; empty: UTC."`
}

// LifecycleNotices says when and how notices go out.
type LifecycleNotices struct {
	BeforeSuspend time.Duration    `koanf:"before_suspend" doc:"A suspension is announced at least this long before it happens."`
	BeforeDelete  time.Duration    `koanf:"before_delete" doc:"A deletion is announced at least this long before it happens; nothing is deleted without it."`
	Webhook       LifecycleWebhook `koanf:"webhook" doc:"Each notice and each step taken, as a JSON POST."`
	Email         LifecycleEmail   `koanf:"email" doc:"Each notice, by e-mail to the service's owner."`
}

// LifecycleWebhook posts notices to a URL.
type LifecycleWebhook struct {
	URL     string            `koanf:"url" doc:"Receives each notice as a JSON POST; empty: no webhook."`
	Headers map[string]string `koanf:"headers" doc:"Headers sent with each POST, e.g. Authorization; never logged."`
	Timeout time.Duration     `koanf:"timeout" doc:"Bound on each POST."`
}

// LifecycleEmail sends notices through an SMTP server.
type LifecycleEmail struct {
	SMTP     string `koanf:"smtp" doc:"host:port of the SMTP server; empty: no e-mail."`
	From     string `koanf:"from" doc:"The sender's address, e.g. Basalt <basalt@example.org>."`
	Username string `koanf:"username" doc:"SMTP user; empty: no authentication."`
	Password string `koanf:"password" doc:"SMTP password. A secret: set it through BASALT_LIFECYCLE__NOTICES__EMAIL__PASSWORD."`
	TLS      string `koanf:"tls" doc:"starttls (required), tls (implicit, port 465 usually) or none (a relay on a trusted network or loopback)."`
	// Basalt keeps no directory of users: the address comes from the owner's token at launch.
	AddressTemplate string `koanf:"address_template" doc:"The owner's address when their token gave none at launch: {username} stands for the user name, e.g. {username}@example.org; empty: such owners get no e-mail."`
}

// LifecycleLeaderElection is the Lease replicas compete for.
type LifecycleLeaderElection struct {
	Enabled       bool          `koanf:"enabled" doc:"Take a Lease before acting; required with more than one replica."`
	Kubeconfig    string        `koanf:"kubeconfig" doc:"Kubeconfig of the cluster holding the Lease; empty: the cluster Basalt runs in (its ServiceAccount)."`
	Namespace     string        `koanf:"namespace" doc:"Namespace of the Lease; empty: the namespace Basalt runs in."`
	Name          string        `koanf:"name" doc:"Name of the Lease."`
	LeaseDuration time.Duration `koanf:"lease_duration" doc:"How long a replica that stopped renewing keeps the Lease before another takes it."`
	RenewDeadline time.Duration `koanf:"renew_deadline" doc:"How long the holder tries to renew before it gives up acting."`
	RetryPeriod   time.Duration `koanf:"retry_period" doc:"How often replicas try to take or renew the Lease."`
}

var valuePath = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)

var clock = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// Weekdays are the days a schedule may name, Sunday first as time.Weekday counts them.
var Weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func (l *Lifecycle) validate(regions []Region, bad func(key, format string, args ...any)) {
	if !l.Enabled {
		return
	}
	if l.Interval < time.Second {
		bad("lifecycle.interval", "must be at least 1s")
	}
	if l.WritesPerSecond < 0 {
		bad("lifecycle.writes_per_second", "must be 0 (no limit) or more")
	}
	if l.BusyMillicores < 0 {
		bad("lifecycle.busy_millicores", "must not be negative")
	}
	n := l.Notices
	if n.BeforeSuspend < 0 || n.BeforeDelete <= 0 {
		bad("lifecycle.notices", "before_suspend must not be negative and before_delete must be positive: nothing is deleted unannounced")
	}
	if n.Webhook.URL != "" {
		if u, err := url.Parse(n.Webhook.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("lifecycle.notices.webhook.url", "must be an http(s) URL")
		}
		if n.Webhook.Timeout <= 0 {
			bad("lifecycle.notices.webhook.timeout", "must be positive")
		}
	}
	if e := n.Email; e.SMTP != "" {
		if _, _, err := net.SplitHostPort(e.SMTP); err != nil {
			bad("lifecycle.notices.email.smtp", "must be host:port (%v)", err)
		}
		if _, err := mail.ParseAddress(e.From); err != nil {
			bad("lifecycle.notices.email.from", "must be an address such as Basalt <basalt@example.org>")
		}
		if !slices.Contains([]string{"starttls", "tls", "none"}, e.TLS) {
			bad("lifecycle.notices.email.tls", "must be starttls, tls or none")
		}
		if e.AddressTemplate != "" && !strings.Contains(e.AddressTemplate, "{username}") {
			bad("lifecycle.notices.email.address_template", "must contain {username}")
		}
	}
	if le := l.LeaderElection; le.Enabled {
		if le.Name == "" {
			bad("lifecycle.leader_election.name", "must be set")
		}
		if le.RetryPeriod <= 0 || le.RenewDeadline <= le.RetryPeriod || le.LeaseDuration <= le.RenewDeadline {
			bad("lifecycle.leader_election", "needs 0 < retry_period < renew_deadline < lease_duration")
		}
	}
	for i, p := range l.Probes {
		key := fmt.Sprintf("lifecycle.probes[%d]", i)
		if p.Kind != ProbeJupyter {
			bad(key+".kind", "must be %s", ProbeJupyter)
		}
		if len(p.Charts) == 0 {
			bad(key+".charts", "must name at least one chart")
		}
		if p.TokenValue != "" && !valuePath.MatchString(p.TokenValue) {
			bad(key+".token_value", "must be a value's path such as security.password")
		}
	}
	for i, p := range l.Policies {
		key := fmt.Sprintf("lifecycle.policies[%d]", i)
		for _, r := range p.Regions {
			if !slices.ContainsFunc(regions, func(reg Region) bool { return reg.ID == r }) {
				bad(key+".regions", "no region %q", r)
			}
		}
		if p.SuspendAfterIdle < 0 || p.MaxSuspendAfterIdle < 0 || p.DeleteAfterSuspended < 0 || p.MaxLifetime < 0 || p.MaxKeep < 0 {
			bad(key, "durations must not be negative")
		}
		if p.MaxSuspendAfterIdle != 0 && p.MaxSuspendAfterIdle < p.SuspendAfterIdle {
			bad(key+".max_suspend_after_idle", "must be 0 or at least suspend_after_idle")
		}
		if s := p.Schedule; s.SuspendAt != "" || s.ResumeAt != "" {
			if !clock.MatchString(s.SuspendAt) {
				bad(key+".schedule.suspend_at", "must be a time of day HH:MM")
			}
			if s.ResumeAt != "" && !clock.MatchString(s.ResumeAt) {
				bad(key+".schedule.resume_at", "must be a time of day HH:MM")
			}
			for _, d := range s.Days {
				if !slices.Contains(Weekdays, d) {
					bad(key+".schedule.days", "%q is not one of %s", d, strings.Join(Weekdays, ", "))
				}
			}
			if _, err := time.LoadLocation(s.TimeZone); err != nil {
				bad(key+".schedule.time_zone", "unknown time zone %q", s.TimeZone)
			}
		}
	}
}
