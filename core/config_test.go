package core_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leaderelection/leaderelection/core"
)

// fixedRand is a Rand that always returns the same value, so that jitter
// is exactly RetryPeriod (0) or a known amount.
type fixedRand uint64

func (r fixedRand) Uint64() uint64 { return uint64(r) }

// validConfig is a configuration that meets every rule.
func validConfig() core.Config {
	return core.Config{Identity: "a", LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second,
		RetryPeriod: 2 * time.Second, Rand: fixedRand(0)}
}

// configResult is what TestConfigValidate compares.
type configResult struct {
	Field, Rule string // of the *ConfigError; empty when valid
	Msg         string // a substring of the message
}

var configTests = []struct {
	name   string
	reason string
	mutate func(*core.Config)
	want   configResult
}{{
	name:   "valid",
	reason: "15s > 10s > 1.2 × 2s > 0",
	mutate: func(*core.Config) {},
}, {
	name:   "sub-second",
	reason: "a 900 ms lease is valid: durations need not be whole seconds",
	mutate: func(c *core.Config) {
		c.LeaseDuration, c.RenewDeadline, c.RetryPeriod = 900*time.Millisecond, 600*time.Millisecond, 250*time.Millisecond
	},
}, {
	name:   "nanoseconds",
	reason: "the rule is exact down to the nanosecond: 1.2 × 10ns = 12ns < 13ns",
	mutate: func(c *core.Config) { c.LeaseDuration, c.RenewDeadline, c.RetryPeriod = 14, 13, 10 },
}, {
	name:   "termlimit",
	reason: "a positive TermLimit is valid, also one shorter than the lease",
	mutate: func(c *core.Config) { c.TermLimit = time.Second },
}, {
	name:   "no-identity",
	reason: "the identity goes into the record; without it no one could tell holders apart",
	mutate: func(c *core.Config) { c.Identity = "" },
	want:   configResult{Field: "Identity", Rule: "a non-empty identity", Msg: "Identity: want a non-empty identity"},
}, {
	name:   "retry-zero",
	reason: "RetryPeriod > 0",
	mutate: func(c *core.Config) { c.RetryPeriod = 0 },
	want:   configResult{Field: "RetryPeriod", Rule: "RetryPeriod > 0", Msg: "got RetryPeriod=0s"},
}, {
	name:   "retry-negative",
	reason: "RetryPeriod > 0",
	mutate: func(c *core.Config) { c.RetryPeriod = -time.Second },
	want:   configResult{Field: "RetryPeriod", Rule: "RetryPeriod > 0", Msg: "got RetryPeriod=-1s"},
}, {
	name:   "renew-equals-jittered-retry",
	reason: "RenewDeadline must exceed JitterFactor × RetryPeriod strictly",
	mutate: func(c *core.Config) { c.RenewDeadline = 2400 * time.Millisecond },
	want: configResult{Field: "RenewDeadline", Rule: "RenewDeadline > JitterFactor × RetryPeriod",
		Msg: "got RenewDeadline=2.4s JitterFactor × RetryPeriod=2.4s"},
}, {
	name:   "renew-between-retry-and-jittered-retry",
	reason: "RetryPeriod < RenewDeadline is not enough: a candidate's poll is up to 1.2 × RetryPeriod",
	mutate: func(c *core.Config) { c.RenewDeadline = 2200 * time.Millisecond },
	want:   configResult{Field: "RenewDeadline", Rule: "RenewDeadline > JitterFactor × RetryPeriod"},
}, {
	name:   "retry-of-centuries",
	reason: "1.2 × 253 years overflows a Duration; the rule must still hold (it did not: fixed in jittered)",
	mutate: func(c *core.Config) { c.RetryPeriod, c.RenewDeadline, c.LeaseDuration = 8e18, 8.5e18, 9e18 },
	want:   configResult{Field: "RenewDeadline", Rule: "RenewDeadline > JitterFactor × RetryPeriod"},
}, {
	name:   "lease-equals-renew",
	reason: "LeaseDuration > RenewDeadline strictly: the leader's deadline must come before any follower's expiry",
	mutate: func(c *core.Config) { c.LeaseDuration = 10 * time.Second },
	want: configResult{Field: "LeaseDuration", Rule: "LeaseDuration > RenewDeadline",
		Msg: "got LeaseDuration=10s RenewDeadline=10s"},
}, {
	name:   "lease-zero",
	reason: "a zero lease is below RenewDeadline",
	mutate: func(c *core.Config) { c.LeaseDuration = 0 },
	want:   configResult{Field: "LeaseDuration", Rule: "LeaseDuration > RenewDeadline"},
}, {
	name:   "termlimit-negative",
	reason: "TermLimit >= 0; 0 means no limit",
	mutate: func(c *core.Config) { c.TermLimit = -time.Nanosecond },
	want:   configResult{Field: "TermLimit", Rule: "TermLimit >= 0 (0 means no limit)", Msg: "got TermLimit=-1ns"},
}, {
	name:   "no-rand",
	reason: "jitter needs a random source; the machine never makes its own",
	mutate: func(c *core.Config) { c.Rand = nil },
	want:   configResult{Field: "Rand", Rule: "a non-nil random source"},
}}

func TestConfigValidate(t *testing.T) {
	for _, tt := range configTests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			tt.mutate(&cfg)
			err := cfg.Validate()
			var got configResult
			if err != nil {
				var ce *core.ConfigError
				if !errors.As(err, &ce) {
					t.Fatalf("Validate() = %v (%T), want a *core.ConfigError", err, err)
				}
				if !errors.Is(err, core.ErrInvalidConfig) {
					t.Errorf("errors.Is(%v, ErrInvalidConfig) = false", err)
				}
				if !strings.HasPrefix(err.Error(), "core: invalid config: "+ce.Field+": want "+ce.Rule) {
					t.Errorf("message %q does not name the field and the rule", err)
				}
				got = configResult{Field: ce.Field, Rule: ce.Rule, Msg: tt.want.Msg}
				if !strings.Contains(err.Error(), tt.want.Msg) {
					got.Msg = err.Error()
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate() mismatch (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
			// NewMachine validates too.
			m, merr := core.NewMachine(cfg)
			if (merr == nil) != (err == nil) || (m == nil) != (err != nil) {
				t.Errorf("NewMachine() = %v, %v; Validate() = %v", m, merr, err)
			}
		})
	}
}

// TestSubSecondLeaseKeptExactly checks that a 900 ms lease is neither
// rounded in the configuration, nor in the record the machine writes, nor
// on the wire (Kubernetes' client turns it into 0s).
func TestSubSecondLeaseKeptExactly(t *testing.T) {
	cfg := validConfig()
	cfg.LeaseDuration, cfg.RenewDeadline, cfg.RetryPeriod = 900*time.Millisecond, 600*time.Millisecond, 250*time.Millisecond
	m, err := core.NewMachine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Config().LeaseDuration; got != 900*time.Millisecond {
		t.Errorf("Config().LeaseDuration = %v, want 900ms", got)
	}
	m.Step(core.Input{Kind: core.InputTick, Now: t0})
	out := m.Step(core.Input{Kind: core.InputGot, Now: t0, Err: core.ErrNotFound})
	if out.Action.Op != core.OpCreate || out.Action.Record.LeaseDuration != 900*time.Millisecond {
		t.Fatalf("action = %+v, want a create with a 900ms lease", out.Action)
	}
	b := core.AppendRecord(nil, out.Action.Record)
	if !strings.Contains(string(b), `"leaseDurationMs":900,`) {
		t.Errorf("encoded record %s does not hold leaseDurationMs 900", b)
	}
	r, err := core.ParseRecord(b)
	if err != nil || r.LeaseDuration != 900*time.Millisecond {
		t.Errorf("ParseRecord(%s) = %v, %v; want a 900ms lease", b, r.LeaseDuration, err)
	}
}
