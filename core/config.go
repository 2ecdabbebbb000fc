package core

import "time"

// JitterFactor scales RetryPeriod into the range a candidate waits between
// attempts: a random duration in [RetryPeriod, JitterFactor × RetryPeriod),
// so that candidates started together spread out.
const JitterFactor = 1.2

// Rand is the source of randomness for jitter. math/rand/v2's *Rand,
// *PCG and *ChaCha8 implement it. The machine never seeds or reads a random
// source of its own, so the same inputs give the same outputs.
type Rand interface {
	Uint64() uint64
}

// Config is the configuration of one candidate's Machine.
type Config struct {
	// Identity is this candidate's identity, written into the record as
	// holderIdentity. It must be unique among the live processes that
	// share a lock. Required.
	Identity string

	// LeaseDuration is how long a lease lasts after each renewal, as the
	// other candidates measure it on their own clocks from when they first
	// see the renewal. It is written into the record, and followers use
	// the record's value, not their own. Sub-millisecond parts are rounded
	// up in the record. Required; must exceed RenewDeadline.
	LeaseDuration time.Duration

	// RenewDeadline bounds the leader's authority: it leads until the
	// start of its last successful renewal plus RenewDeadline, and steps
	// down when it cannot renew within that time. Required; must exceed
	// JitterFactor × RetryPeriod.
	RenewDeadline time.Duration

	// RetryPeriod is the interval between the leader's renewals, and the
	// base of the jittered interval between a candidate's attempts.
	// Required; must be positive.
	RetryPeriod time.Duration

	// TermLimit, when positive, is how long the leader holds the lease
	// before it gives it up, releasing the lease and yielding to the other
	// candidates for longer than JitterFactor × RetryPeriod. Zero means no
	// limit. Must not be negative.
	TermLimit time.Duration

	// Rand provides jitter. Required.
	Rand Rand

	// Once stops the machine after its first term: when leadership ends
	// for any reason it releases the lease and reports OpDone instead of
	// campaigning again. It is the seed's one-task model (Run(task)).
	Once bool
}

// ConfigError names the field of Config that broke a rule, and the rule.
// It wraps ErrInvalidConfig.
type ConfigError struct {
	Field string // e.g. "RenewDeadline"
	Rule  string // e.g. "LeaseDuration > RenewDeadline"
	Got   string // the offending values, e.g. "LeaseDuration=1s RenewDeadline=1s"
}

// Error reports the field, the rule and the values.
func (e *ConfigError) Error() string {
	s := "core: invalid config: " + e.Field + ": want " + e.Rule
	if e.Got != "" {
		s += ", got " + e.Got
	}
	return s
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// jittered returns JitterFactor × d, saturated at the largest Duration:
// converting an out-of-range float to an integer is implementation-defined
// in Go (on amd64 it gives the smallest int64), which made Validate accept
// a RenewDeadline below JitterFactor × RetryPeriod for a RetryPeriod of
// centuries.
func jittered(d time.Duration) time.Duration {
	f := float64(d) * JitterFactor
	if f >= 1<<63 {
		return 1<<63 - 1
	}
	return time.Duration(f)
}

// Validate checks the rules every Config must meet:
// LeaseDuration > RenewDeadline > JitterFactor × RetryPeriod > 0,
// TermLimit ≥ 0, a non-empty Identity and a non-nil Rand. The first rule
// keeps the leader's own deadline ahead of every follower's view of the
// lease's expiry while clock rates differ by less than
// LeaseDuration / RenewDeadline.
func (c *Config) Validate() error {
	switch {
	case c.Identity == "":
		return &ConfigError{Field: "Identity", Rule: "a non-empty identity"}
	case c.RetryPeriod <= 0:
		return &ConfigError{Field: "RetryPeriod", Rule: "RetryPeriod > 0",
			Got: "RetryPeriod=" + c.RetryPeriod.String()}
	case c.RenewDeadline <= jittered(c.RetryPeriod):
		return &ConfigError{Field: "RenewDeadline", Rule: "RenewDeadline > JitterFactor × RetryPeriod",
			Got: "RenewDeadline=" + c.RenewDeadline.String() + " JitterFactor × RetryPeriod=" + jittered(c.RetryPeriod).String()}
	case c.LeaseDuration <= c.RenewDeadline:
		return &ConfigError{Field: "LeaseDuration", Rule: "LeaseDuration > RenewDeadline",
			Got: "LeaseDuration=" + c.LeaseDuration.String() + " RenewDeadline=" + c.RenewDeadline.String()}
	case c.TermLimit < 0:
		return &ConfigError{Field: "TermLimit", Rule: "TermLimit >= 0 (0 means no limit)",
			Got: "TermLimit=" + c.TermLimit.String()}
	case c.Rand == nil:
		return &ConfigError{Field: "Rand", Rule: "a non-nil random source"}
	}
	return nil
}
